package walt.vpn.template;

import java.util.Base64;
import java.util.regex.Pattern;

/**
 * The bootstrap private key every node of a site carries (it opens only the enrolment path),
 * in OpenSSH's own PEM-like format, checked line by line before it is copied to the card.
 */
public record BootstrapKey(String text) {

    private static final String BEGIN = "-----BEGIN OPENSSH PRIVATE KEY-----";
    private static final String END = "-----END OPENSSH PRIVATE KEY-----";
    private static final Pattern BODY = Pattern.compile("[A-Za-z0-9+/=]{1,76}");

    public BootstrapKey {
        String[] lines = text.split("\n", -1);
        boolean shaped = lines.length >= 4 && lines[0].equals(BEGIN) && lines[lines.length - 1].isEmpty()
                && lines[lines.length - 2].equals(END) && text.length() < 16384;
        StringBuilder body = new StringBuilder();
        for (int i = 1; shaped && i < lines.length - 2; i++) {
            shaped = BODY.matcher(lines[i]).matches();
            body.append(lines[i]);
        }
        if (!shaped) {
            throw new IllegalArgumentException("the bootstrap key is not an unencrypted OpenSSH private key");
        }
        try {
            byte[] blob = Base64.getDecoder().decode(body.toString());
            if (!new String(blob, 0, Math.min(blob.length, 14), java.nio.charset.StandardCharsets.US_ASCII).equals("openssh-key-v1")) {
                throw new IllegalArgumentException("the bootstrap key is not an OpenSSH private key");
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the bootstrap key is not an OpenSSH private key");
        }
    }
}
