package walt.vpn.server;

/** The address a request came from, as sshd reported it: an IPv4 or IPv6 literal, nothing else. */
final class SourceAddress {

    private SourceAddress() {
    }

    static String check(String s) {
        if (s == null || s.isEmpty() || s.length() > 45
                || !(s.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}") || s.matches("[0-9a-fA-F:.]+") && s.contains(":"))) {
            throw new IllegalArgumentException("malformed source address");
        }
        return s;
    }

    /**
     * What a source's fair share of pending requests is counted by: the address for IPv4, the
     * /64 for IPv6, which one host can fill with as many addresses as it likes. {@code source}
     * went through {@link #check}: a literal, never looked up.
     */
    static String share(String source) {
        if (!source.contains(":")) {
            return source;
        }
        java.net.InetAddress address;
        try {
            address = java.net.InetAddress.getByName(source);
        } catch (java.net.UnknownHostException e) {
            return source;
        }
        byte[] a = address.getAddress();
        if (a.length == 4) {
            return address.getHostAddress(); // IPv4 mapped: sshd may report either form
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 8; i += 2) {
            b.append(Integer.toHexString(((a[i] & 0xff) << 8) | (a[i + 1] & 0xff))).append(':');
        }
        return b.append(":/64").toString();
    }
}
