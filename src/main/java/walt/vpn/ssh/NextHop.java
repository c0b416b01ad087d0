package walt.vpn.ssh;

import walt.vpn.ssh.Printable;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Where a proxy forwards to, written exactly as a node's ssh asks for it, since sshd compares
 * {@code permitopen} as text without name lookup. ProxyJump lower-cases host names, so they
 * are kept in lower case; IPv6 addresses are written in brackets.
 */
public record NextHop(String host, int port) {

    public static final int SSH_PORT = 22;

    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern NUMERIC = Pattern.compile("[0-9.]+");
    private static final Pattern IPV4_PART = Pattern.compile("0|[1-9][0-9]{0,2}");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-f:.]+");
    private static final Pattern PORT = Pattern.compile("[1-9][0-9]{0,4}");

    public NextHop {
        if (!isHostName(host) && !isIpv4(host) && !isIpv6(host)) {
            throw new IllegalArgumentException("not a host name or IP address: " + Printable.of(host));
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range 1-65535: " + port);
        }
    }

    /** {@code HOST}, {@code HOST:PORT}, {@code [IPV6]} or {@code [IPV6]:PORT}; port 22 when absent. */
    public static NextHop parse(String text) {
        String hostPart = text;
        String portPart = null;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("IPv6 address without its closing ']': " + Printable.of(text));
            }
            hostPart = text.substring(1, close);
            String rest = text.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new IllegalArgumentException("expected [IPV6]:PORT: " + Printable.of(text));
                }
                portPart = rest.substring(1);
            }
            if (!isIpv6(hostPart.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("not an IPv6 address: " + Printable.of(hostPart));
            }
        } else {
            int colon = text.indexOf(':');
            if (colon >= 0) {
                if (text.indexOf(':', colon + 1) >= 0) {
                    throw new IllegalArgumentException("write an IPv6 address in brackets, [ADDRESS]:PORT: " + Printable.of(text));
                }
                hostPart = text.substring(0, colon);
                portPart = text.substring(colon + 1);
            }
        }
        return new NextHop(hostPart.toLowerCase(Locale.ROOT), portPart == null ? SSH_PORT : parsePort(portPart));
    }

    static int parsePort(String text) {
        if (!PORT.matcher(text).matches() || Integer.parseInt(text) > 65535) {
            throw new IllegalArgumentException("not a port number 1-65535: " + Printable.of(text));
        }
        return Integer.parseInt(text);
    }

    /** As in {@code permitopen="..."}: {@code host:port}, or {@code [v6]:port}. */
    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    private static boolean isHostName(String host) {
        if (host.isEmpty() || host.length() > 253 || NUMERIC.matcher(host).matches()) {
            return false;
        }
        for (String label : host.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }

    private static boolean isIpv4(String host) {
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String part : parts) {
            if (!IPV4_PART.matcher(part).matches() || Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }

    private static boolean isIpv6(String host) {
        if (host.indexOf(':') < 0 || !IPV6.matcher(host).matches()) {
            return false;
        }
        try {
            // With a colon in it, the text is parsed as a literal; no name is looked up.
            return InetAddress.getByName("[" + host + "]") instanceof Inet6Address;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
