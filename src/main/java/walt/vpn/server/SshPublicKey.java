package walt.vpn.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Set;

/**
 * An OpenSSH public key as one line carries it ({@code type base64}), checked before it goes
 * anywhere near a file sshd reads: known plain key type, canonical base64, and a blob that
 * names the same type. The comment is dropped: it is the sender's text, not ours.
 */
public record SshPublicKey(String type, String base64) {

    /** Plain key types a node may enrol with; certificates and unknown types are refused. */
    static final Set<String> TYPES = Set.of("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
            "ecdsa-sha2-nistp521", "ssh-rsa", "sk-ssh-ed25519@openssh.com");

    private static final int MAX_BLOB = 4096;

    public SshPublicKey {
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException("unsupported key type: " + printable(type));
        }
        if (base64.length() > MAX_BLOB * 4 / 3 + 4 || !base64.matches("[A-Za-z0-9+/]+={0,2}")) {
            throw new IllegalArgumentException("malformed public key");
        }
        byte[] blob;
        try {
            blob = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed public key");
        }
        if (!Base64.getEncoder().encodeToString(blob).equals(base64) || !type.equals(blobType(blob))) {
            throw new IllegalArgumentException("malformed public key");
        }
    }

    /** Parses {@code type base64 [comment]}, as in authorized_keys or a .pub file. */
    public static SshPublicKey parse(String line) {
        String[] f = line.strip().split("[ \t]+");
        if (f.length < 2) {
            throw new IllegalArgumentException("malformed public key");
        }
        return new SshPublicKey(f[0], f[1]);
    }

    /** {@code SHA256:...} as {@code ssh-keygen -l} prints it. */
    public String fingerprint() {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(Base64.getDecoder().decode(base64));
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public String line() {
        return type + " " + base64;
    }

    @Override
    public String toString() {
        return line();
    }

    private static String blobType(byte[] blob) {
        if (blob.length < 4) {
            return null;
        }
        int n = ByteBuffer.wrap(blob).getInt();
        if (n <= 0 || n > 64 || 4 + n > blob.length) {
            return null;
        }
        return new String(blob, 4, n, StandardCharsets.US_ASCII);
    }

    private static String printable(String s) {
        return s.length() > 40 ? "(too long)" : s.replaceAll("[^\\x21-\\x7e]", "?");
    }
}
