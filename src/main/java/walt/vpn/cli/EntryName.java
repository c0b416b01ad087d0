package walt.vpn.cli;

/**
 * Names read from an image are untrusted: control characters could drive the terminal, so
 * they are shown escaped.
 */
final class EntryName {

    private EntryName() {
    }

    static String printable(String name) {
        StringBuilder sb = new StringBuilder(name.length());
        name.codePoints().forEach(cp -> {
            if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) {
                sb.append(String.format("\\x%02x", cp));
            } else if (cp == '\\') {
                sb.append("\\\\");
            } else {
                sb.appendCodePoint(cp);
            }
        });
        return sb.toString();
    }
}
