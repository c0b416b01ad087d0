package walt.vpn.ssh;

/**
 * Text from outside (a node, a key file, a command line), made safe to print: control
 * characters, terminal escapes among them, are shown as {@code \xNN} and the length is
 * bounded, so a refused value or a node's request can neither drive the operator's terminal
 * nor forge a line of a log.
 */
public final class Printable {

    private static final int MAX = 200;

    private Printable() {
    }

    public static String of(String value) {
        if (value == null) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        value.codePoints().limit(MAX).forEach(c -> {
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                b.append(String.format("\\x%02x", c));
            } else if (c == 0x2028 || c == 0x2029 || Character.getType(c) == Character.FORMAT) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return value.codePointCount(0, value.length()) > MAX ? b + "..." : b.toString();
    }
}
