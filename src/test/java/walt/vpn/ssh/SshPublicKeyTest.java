package walt.vpn.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import walt.vpn.testing.Tools;

class SshPublicKeyTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"ed25519, 256, ssh-ed25519", "ecdsa, 256, ecdsa-sha2-nistp256", "ecdsa, 521, ecdsa-sha2-nistp521", "rsa, 3072, ssh-rsa"})
    void readsWhatSshKeygenWritesWithItsFingerprint(String type, String bits, String name) throws Exception {
        Tools.require("ssh-keygen");
        Path key = dir.resolve("key-" + type + bits);
        assertEquals(0, Tools.run("ssh-keygen", "-q", "-t", type, "-b", bits, "-N", "", "-f", key.toString()).exit());
        String line = Files.readString(key.resolveSibling(key.getFileName() + ".pub"));
        SshPublicKey parsed = SshPublicKey.parse(line);
        assertEquals(name, parsed.type());
        assertEquals(line.split(" ")[0] + " " + line.split(" ")[1], parsed.toString());
        String shown = Tools.run("ssh-keygen", "-lf", key + ".pub").stdout();
        assertEquals(shown.split(" ")[1], parsed.fingerprint());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK6EP5JDHzwoB1YVS2zw0Ic0LiNLOfHbVTzeFAoxvp1t=",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK6EP5JDHzwoB1YVS2zw0Ic0LiNLOfHbVTzeFAoxvp1t\n\n",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK6EP5JDHzwoB1YVS2zw0Ic0LiNLOfHbVTzeFAoxvp1t x\u001b[2J",
        "ssh-ed25519  AAAAC3NzaC1lZDI1NTE5AAAAIK6EP5JDHzwoB1YVS2zw0Ic0LiNLOfHbVTzeFAoxvp1t",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK6EP5JDHzwoB1YVS2zw0Ic0LiNLOfHbVTzeFAoxvp1t\r",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK6EP5JDHzwoB1YVS2zw0Ic0LiNLOfHbVTzeFAoxvp1t a\"b",
        "ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQ==",
        "ssh-dss AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
        "ssh-ed25519-cert-v01@openssh.com AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
        "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
        "ssh-ed25519 $(reboot)",
        "ssh-ed25519 AAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
        "\u001b[2Jssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
        "ssh-ed25519",
    })
    void malformedKeysAreRefused(String line) {
        assertThrows(IllegalArgumentException.class, () -> SshPublicKey.parse(line));
    }

    @org.junit.jupiter.api.Test
    void hugeKeysAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> SshPublicKey.parse("ssh-ed25519 " + "A".repeat(20000)));
    }

    @org.junit.jupiter.api.Test
    void printableTextShowsControlCharactersInsteadOfSendingThem() {
        assertEquals("\\x1b[2Jhi\\x0d\\x0a there\\x9b", Printable.of("\u001b[2Jhi\r\n there\u009b"));
        assertEquals(203, Printable.of("x".repeat(1000)).length());
    }
}
