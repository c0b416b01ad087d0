package walt.vpn.proxy;

import walt.vpn.ssh.NextHop;
import walt.vpn.ssh.Printable;
import java.util.regex.Pattern;

/** {@code USER@HOST[:PORT]}: where {@code --install} logs in. */
public record SshDestination(String user, NextHop address) {

    private static final Pattern USER = Pattern.compile("[a-z_][a-z0-9_.-]{0,31}", Pattern.CASE_INSENSITIVE);

    public SshDestination {
        if (!USER.matcher(user).matches()) {
            throw new IllegalArgumentException("not a user name: " + Printable.of(user));
        }
    }

    public static SshDestination parse(String text) {
        int at = text.indexOf('@');
        if (at < 0) {
            throw new IllegalArgumentException("expected USER@HOST[:PORT]: " + Printable.of(text));
        }
        return new SshDestination(text.substring(0, at), NextHop.parse(text.substring(at + 1)));
    }

    public boolean isRoot() {
        return user.equals("root");
    }

    /** How known_hosts names this host: bare on port 22, {@code [host]:port} otherwise. */
    public String knownHostsName() {
        return address.port() == NextHop.SSH_PORT ? address.host() : "[" + address.host() + "]:" + address.port();
    }

    @Override
    public String toString() {
        return user + "@" + address;
    }
}
