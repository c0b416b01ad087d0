package walt.vpn.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NextHopTest {

    @ParameterizedTest
    @CsvSource({
        "server, server:22",
        "walt.example.org:2222, walt.example.org:2222",
        "WALT.Example.ORG, walt.example.org:22",
        "10.0.0.1, 10.0.0.1:22",
        "192.168.1.254:65535, 192.168.1.254:65535",
        "[2001:DB8::1], [2001:db8::1]:22",
        "[::1]:2200, [::1]:2200",
        "a-b.c1, a-b.c1:22",
    })
    void writtenAsTheNodeAsksForIt(String given, String written) {
        assertEquals(written, NextHop.parse(given).toString());
    }

    @Test
    void labelsAndNamesHaveTheirDnsLimits() {
        String label63 = "a".repeat(63);
        assertEquals(label63 + ".org:22", NextHop.parse(label63 + ".org").toString());
        assertThrows(IllegalArgumentException.class, () -> NextHop.parse("a".repeat(64) + ".org"));
        String name = (label63 + ".").repeat(4) + "org";
        assertThrows(IllegalArgumentException.class, () -> NextHop.parse(name));
    }

    @Test
    void numbersThatAreNotAddressesAreRefused() {
        for (String bad : new String[] {"1.2.3", "1.2.3.4.5", "01.2.3.4", "300.1.1.1", "12345"}) {
            assertThrows(IllegalArgumentException.class, () -> NextHop.parse(bad), bad);
        }
    }
}
