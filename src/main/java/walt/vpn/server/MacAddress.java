package walt.vpn.server;

import java.util.Locale;

/** A node's wired MAC address, lower case and colon-separated: the only form accepted. */
public record MacAddress(String value) {

    public MacAddress {
        if (value == null || !value.matches("[0-9a-f]{2}(:[0-9a-f]{2}){5}")) {
            throw new IllegalArgumentException("malformed MAC address");
        }
        if ((Integer.parseInt(value.substring(0, 2), 16) & 1) != 0) {
            throw new IllegalArgumentException("multicast MAC address");
        }
    }

    /** Accepts upper case too, as boards print it either way. */
    public static MacAddress parse(String s) {
        if (s == null || s.length() != 17) {
            throw new IllegalArgumentException("malformed MAC address");
        }
        return new MacAddress(s.toLowerCase(Locale.ROOT));
    }

    @Override
    public String toString() {
        return value;
    }
}
