package walt.vpn.ssh;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An OpenSSH public key ({@code TYPE BASE64}), checked before it goes into a script, an
 * authorized_keys line or anything sshd reads: a known plain key type, canonical base64 of a
 * bounded size, and a key blob that names the same type. The comment is not kept: nothing a
 * key file says beyond the key itself is trusted.
 */
public record SshPublicKey(String type, String base64) {

    /** Plain key types; certificates and unknown types are refused. */
    public static final Set<String> TYPES = Set.of(
            "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa",
            "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com");
    private static final int MAX_BASE64 = 8192;
    private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/]+={0,2}");
    /** What ssh-keygen puts in comments (user@host, file names); anything else is refused. */
    private static final Pattern COMMENT = Pattern.compile("[A-Za-z0-9@._+:,/=-]+( [A-Za-z0-9@._+:,/=()-]+)*");

    public SshPublicKey {
        if (type == null || !TYPES.contains(type)) {
            throw new IllegalArgumentException("unsupported SSH key type: " + Printable.of(type));
        }
        if (base64 == null || base64.length() > MAX_BASE64 || !BASE64.matcher(base64).matches() || base64.length() % 4 != 0) {
            throw new IllegalArgumentException("SSH " + type + " key: not base64");
        }
        byte[] blob = Base64.getDecoder().decode(base64);
        if (!Base64.getEncoder().encodeToString(blob).equals(base64)) {
            throw new IllegalArgumentException("SSH " + type + " key: not canonical base64");
        }
        String named = blobType(blob);
        if (!type.equals(named)) {
            throw new IllegalArgumentException("SSH key says " + type + " but its data is " + Printable.of(named));
        }
    }

    /** Reads one line as a .pub file holds it: {@code TYPE BASE64 [COMMENT]}. */
    public static SshPublicKey parse(String text) {
        String line = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        if (line.isEmpty() || line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("an SSH public key is one line (TYPE BASE64 [COMMENT])");
        }
        String[] parts = line.split(" ", 3);
        if (parts.length < 2) {
            throw new IllegalArgumentException("not an SSH public key (TYPE BASE64 [COMMENT]): " + Printable.of(line));
        }
        if (parts.length == 3 && !COMMENT.matcher(parts[2]).matches()) {
            throw new IllegalArgumentException("SSH public key comment with unexpected characters: " + Printable.of(parts[2]));
        }
        return new SshPublicKey(parts[0], parts[1]);
    }

    /** One key file; its name goes into the error, which the key's own checks lack. */
    public static SshPublicKey read(java.nio.file.Path file) throws java.io.IOException {
        if (java.nio.file.Files.size(file) > 16384) {
            throw new java.io.IOException(file + ": too big for an SSH public key");
        }
        try {
            return parse(java.nio.file.Files.readString(file, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException | java.nio.charset.MalformedInputException e) {
            throw new java.io.IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** As {@code ssh-keygen -lf} shows it: {@code SHA256:} and unpadded base64. */
    public String fingerprint() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(Base64.getDecoder().decode(base64));
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    /** {@code TYPE BASE64}, the form authorized_keys and known_hosts take. */
    public String line() {
        return type + " " + base64;
    }

    @Override
    public String toString() {
        return line();
    }

    private static String blobType(byte[] blob) {
        if (blob.length < 4) {
            return "(too short)";
        }
        int length = ByteBuffer.wrap(blob).getInt();
        if (length < 1 || length > 64 || length > blob.length - 4) {
            return "(not a key blob)";
        }
        return new String(blob, 4, length, StandardCharsets.ISO_8859_1);
    }
}
