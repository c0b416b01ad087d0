package walt.vpn.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class MacAddressTest {

    @Test
    void macAddressesAreCanonical() {
        assertEquals("b8:27:eb:12:34:56", MacAddress.parse("B8:27:EB:12:34:56").value());
        for (String bad : new String[] {"b8:27:eb:12:34", "b8-27-eb-12-34-56", "01:00:5e:00:00:01", "b8:27:eb:12:34:5g",
            "b8:27:eb:12:34:56\n", "ff:ff:ff:ff:ff:ff", "\u001b[2J;reboot"}) {
            assertThrows(IllegalArgumentException.class, () -> MacAddress.parse(bad), bad);
        }
    }
}
