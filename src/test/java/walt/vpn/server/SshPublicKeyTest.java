package walt.vpn.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import walt.vpn.testing.Tools;

class SshPublicKeyTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"ed25519", "ecdsa", "rsa"})
    void parsesWhatSshKeygenMakesAndFingerprintsItTheSameWay(String type) throws Exception {
        Tools.require("ssh-keygen");
        Path key = dir.resolve("k");
        Tools.run(List.of("ssh-keygen", "-q", "-t", type, "-N", "", "-C", "a comment", "-f", key.toString()), dir, 60);
        String line = Files.readString(dir.resolve("k.pub"));
        SshPublicKey k = SshPublicKey.parse(line);
        String expected = Tools.run(List.of("ssh-keygen", "-lf", dir.resolve("k.pub").toString()), dir, 30).stdout().split(" ")[1];
        assertEquals(expected, k.fingerprint());
        assertEquals(line.substring(0, line.lastIndexOf(" a comment")), k.line());
    }

    @Test
    void refusesHostileOrBrokenKeys() {
        String good = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
        SshPublicKey.parse("ssh-ed25519 " + good);
        for (String bad : new String[] {
            "", "ssh-ed25519", "ssh-dss " + good, "ssh-ed25519-cert-v01@openssh.com " + good,
            "ssh-rsa " + good, // blob says ed25519
            "ssh-ed25519 " + good + "\"", "ssh-ed25519 $(reboot)", "ssh-ed25519 " + good.substring(1),
            "ssh-ed25519 " + "A".repeat(20000), "\u001b[2Jssh-ed25519 " + good}) {
            assertThrows(IllegalArgumentException.class, () -> SshPublicKey.parse(bad), bad);
        }
    }

    @Test
    void macAddressesAreCanonical() {
        assertEquals("b8:27:eb:12:34:56", MacAddress.parse("B8:27:EB:12:34:56").value());
        for (String bad : new String[] {"b8:27:eb:12:34", "b8-27-eb-12-34-56", "01:00:5e:00:00:01", "b8:27:eb:12:34:5g",
            "b8:27:eb:12:34:56\n", "ff:ff:ff:ff:ff:ff"}) {
            assertThrows(IllegalArgumentException.class, () -> MacAddress.parse(bad), bad);
        }
    }

    @Test
    void sanitizedTextHasNoControlCharacters() {
        assertEquals("?[2Jhi?? there?", Sanitized.of("\u001b[2Jhi\r\n there\u009b"));
        assertEquals(200, Sanitized.of("x".repeat(1000)).length());
    }
}
