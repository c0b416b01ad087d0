package walt.vpn.server;

/**
 * Text from a node, made safe to print: control characters (terminal escapes among them)
 * become {@code ?} and length is bounded, so nothing a node sends can drive the operator's
 * terminal or forge a line of the audit log.
 */
public final class Sanitized {

    private static final int MAX = 200;

    private Sanitized() {
    }

    public static String of(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(Math.min(s.length(), MAX));
        s.codePoints().limit(MAX).forEach(c -> {
            boolean control = c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029
                    || Character.getType(c) == Character.FORMAT;
            sb.appendCodePoint(control ? '?' : c);
        });
        return sb.toString();
    }
}
