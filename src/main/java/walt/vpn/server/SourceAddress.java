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
}
