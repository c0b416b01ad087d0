package walt.vpn.server;

import walt.vpn.ssh.SshPublicKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.testing.Tools;

/** Certificates and KRLs as OpenSSH itself reads them back. */
class SshKeygenTest {

    @TempDir
    Path dir;

    final SshKeygen keygen = new SshKeygen();

    @BeforeEach
    void tools() {
        Tools.require("ssh-keygen");
    }

    @Test
    void keysAreMadeOnceWithPrivateModes() throws Exception {
        Path ca = dir.resolve("ca");
        assertTrue(keygen.generateIfAbsent(ca, "walt-vpn CA"));
        byte[] first = Files.readAllBytes(ca);
        assertFalse(keygen.generateIfAbsent(ca, "walt-vpn CA"));
        assertEquals(new String(first), Files.readString(ca));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(ca)));
        SshPublicKey.parse(Files.readString(dir.resolve("ca.pub")));
        try (var s = Files.list(dir)) {
            assertEquals(List.of("ca", "ca.pub"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void certificatesCarrySerialPrincipalsAndValidity() throws Exception {
        Path ca = dir.resolve("ca");
        keygen.generateIfAbsent(ca, "ca");
        keygen.generateIfAbsent(dir.resolve("node"), "node");
        SshPublicKey node = SshPublicKey.parse(Files.readString(dir.resolve("node.pub")));
        String cert = keygen.sign(ca, node, "walt-vpn:node-3:b8:27:eb:00:00:03", List.of("node-3", ServerAccounts.NODE_ROLE), 42,
                Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2027-01-01T00:00:00Z"));
        Path certFile = dir.resolve("node-cert.pub");
        Files.writeString(certFile, cert + "\n");
        String shown = Tools.run(List.of("ssh-keygen", "-Lf", certFile.toString()), dir, 30).stdout();
        assertTrue(shown.contains("Serial: 42"), shown);
        assertTrue(shown.contains("Key ID: \"walt-vpn:node-3:b8:27:eb:00:00:03\""), shown);
        assertTrue(shown.contains("Valid: from 2026-01-01T00:00:00 to 2027-01-01T00:00:00")
                || shown.matches("(?s).*Valid: from 2026-01-0\\d.*to 2027-01-0\\d.*"), shown);
        assertTrue(shown.matches("(?s).*Principals: *\n +node-3\n +walt-vpn-node\n.*"), shown);
        assertTrue(shown.matches("(?s).*Extensions: *\n +permit-port-forwarding\n.*"), shown);
        assertTrue(shown.contains(node.fingerprint()), shown);
    }

    @Test
    void krlRevokesExactlyTheListedSerials() throws Exception {
        Path ca = dir.resolve("ca");
        keygen.generateIfAbsent(ca, "ca");
        keygen.generateIfAbsent(dir.resolve("node"), "node");
        SshPublicKey node = SshPublicKey.parse(Files.readString(dir.resolve("node.pub")));
        Instant now = Instant.now();
        Path c7 = dir.resolve("c7-cert.pub");
        Path c8 = dir.resolve("c8-cert.pub");
        Files.writeString(c7, keygen.sign(ca, node, "n7", List.of("node-7"), 7, now, now.plusSeconds(600)) + "\n");
        Files.writeString(c8, keygen.sign(ca, node, "n8", List.of("node-8"), 8, now, now.plusSeconds(600)) + "\n");
        Path krl = dir.resolve("revoked.krl");
        keygen.writeKrl(dir.resolve("ca.pub"), List.of(), krl);
        assertEquals(0, Tools.run(List.of("ssh-keygen", "-Q", "-f", krl.toString(), c7.toString()), dir, 30).exit());
        keygen.writeKrl(dir.resolve("ca.pub"), List.of(3L, 7L), krl);
        Tools.Result q7 = Tools.run(List.of("ssh-keygen", "-Q", "-f", krl.toString(), c7.toString()), dir, 30);
        assertTrue(q7.exit() != 0 && q7.all().contains("REVOKED"), q7.all());
        assertEquals(0, Tools.run(List.of("ssh-keygen", "-Q", "-f", krl.toString(), c8.toString()), dir, 30).exit());
        try (var s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".")), "no work files left");
        }
    }
}
