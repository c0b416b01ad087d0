package walt.vpn.proxy;

/**
 * A value as one sh word in single quotes, where nothing is expanded; a quote inside is
 * closed, escaped and reopened. Values are validated before; this is the second line.
 */
public final class ShellWord {

    private ShellWord() {
    }

    public static String quote(String value) {
        return "'" + value.replace("'", "'\\''") + "'";
    }
}
