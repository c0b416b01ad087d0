package walt.vpn.deb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import walt.vpn.tree.InvalidDataException;

/** Debian's real InRelease against Debian's real keyring, and every way it can be wrong. */
class SignedReleaseTest {

    static final Path KEYRING = Path.of("/usr/share/keyrings/debian-archive-keyring.gpg");
    static final Path REMOVED_KEYS = Path.of("/usr/share/keyrings/debian-archive-removed-keys.gpg");

    static byte[] trixieInRelease() throws Exception {
        Path cached = HostAptPackages.cacheDir().resolveSibling("trixie-InRelease");
        if (!Files.isRegularFile(cached)) {
            Files.createDirectories(cached.getParent());
            try {
                var c = java.net.http.HttpClient.newBuilder().connectTimeout(java.time.Duration.ofSeconds(20)).build();
                var r = c.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://deb.debian.org/debian/dists/trixie/InRelease")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofByteArray());
                Assumptions.assumeTrue(r.statusCode() == 200, "mirror answered " + r.statusCode());
                Files.write(cached, r.body());
            } catch (java.io.IOException e) {
                Assumptions.abort("cannot reach deb.debian.org: " + e.getMessage());
            }
        }
        return Files.readAllBytes(cached);
    }

    @Test
    void debiansSignatureChecksOut() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(KEYRING), "debian-archive-keyring is not installed");
        SignedRelease r = SignedRelease.verify(trixieInRelease(), KEYRING, "trixie InRelease", Instant.now());
        assertEquals("trixie", r.fields().get("Codename"));
        assertTrue(r.sha256Files().stream().anyMatch(f -> f.path().equals("main/binary-arm64/Packages.xz")));
        assertTrue(r.signer().matches("[0-9A-F]{16}"));
    }

    @Test
    void aChangedByteInTheSignedTextIsCaught() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(KEYRING), "debian-archive-keyring is not installed");
        String text = new String(trixieInRelease(), StandardCharsets.UTF_8);
        // Point the arm64 index at other bytes: exactly what an attacker would want.
        int at = text.indexOf("main/binary-arm64/Packages.xz") - 80;
        char old = text.charAt(at);
        String tampered = text.substring(0, at) + (old == 'a' ? 'b' : 'a') + text.substring(at + 1);
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> SignedRelease.verify(tampered.getBytes(StandardCharsets.UTF_8), KEYRING, "trixie InRelease", Instant.now()));
        assertTrue(e.getMessage().contains("does not match"), e.getMessage());
    }

    @Test
    void aKeyringWithoutTheSignerIsRefused() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(REMOVED_KEYS), "debian-archive-keyring is not installed");
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> SignedRelease.verify(trixieInRelease(), REMOVED_KEYS, "trixie InRelease", Instant.now()));
        assertTrue(e.getMessage().contains("is not in"), e.getMessage());
    }

    @Test
    void textAddedOutsideTheSignatureIsRefusedOrIgnored() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(KEYRING), "debian-archive-keyring is not installed");
        String text = new String(trixieInRelease(), StandardCharsets.UTF_8);
        // Text before the armor is skipped, never parsed: only what the signature covers counts.
        String prefixed = "Origin: Evil\nSHA256:\n 00 1 main/binary-arm64/Packages.xz\n\n" + text;
        SignedRelease r = SignedRelease.verify(prefixed.getBytes(StandardCharsets.UTF_8), KEYRING, "x", Instant.now());
        assertEquals("Debian", r.fields().get("Origin"));
        String unsigned = text.substring(text.indexOf("\n\n") + 2, text.indexOf("-----BEGIN PGP SIGNATURE"));
        assertThrows(InvalidDataException.class, () -> SignedRelease.verify(unsigned.getBytes(StandardCharsets.UTF_8), KEYRING, "x", Instant.now()));
        assertThrows(InvalidDataException.class, () -> SignedRelease.verify(new byte[] {1, 2, 3}, KEYRING, "x", Instant.now()));
    }
}
