package walt.vpn.deb;

import java.util.regex.Pattern;
import walt.vpn.tree.InvalidDataException;

/**
 * A Debian package version, {@code [epoch:]upstream[-revision]}, ordered as Debian policy
 * §5.6.12 says: epochs as numbers, then upstream and revision compared by alternating runs of
 * non-digits (letters before other characters, '~' before everything, even the end) and digits
 * (as numbers).
 */
public record DebianVersion(long epoch, String upstream, String revision) implements Comparable<DebianVersion> {

    private static final Pattern UPSTREAM = Pattern.compile("[0-9][A-Za-z0-9.+~:-]*");
    private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9.+~]+");

    public static DebianVersion parse(String s) throws InvalidDataException {
        String v = s.strip();
        long epoch = 0;
        int colon = v.indexOf(':');
        if (colon >= 0) {
            String e = v.substring(0, colon);
            if (!e.matches("[0-9]{1,9}")) {
                throw new InvalidDataException("version '" + s + "': epoch must be a number");
            }
            epoch = Long.parseLong(e);
            v = v.substring(colon + 1);
        }
        String revision = "";
        int dash = v.lastIndexOf('-');
        if (dash >= 0) {
            revision = v.substring(dash + 1);
            v = v.substring(0, dash);
            if (!REVISION.matcher(revision).matches()) {
                throw new InvalidDataException("version '" + s + "': bad revision '" + revision + "'");
            }
        }
        if (!UPSTREAM.matcher(v).matches() || (colon < 0 && v.indexOf(':') >= 0)) {
            throw new InvalidDataException("version '" + s + "': upstream part must start with a digit and hold only A-Z a-z 0-9 . + ~ - :");
        }
        return new DebianVersion(epoch, v, revision);
    }

    @Override
    public int compareTo(DebianVersion o) {
        int c = Long.compare(epoch, o.epoch);
        if (c != 0) {
            return c;
        }
        c = compareFragment(upstream, o.upstream);
        return c != 0 ? c : compareFragment(revision, o.revision);
    }

    private static int order(char c) {
        if (Character.isDigit(c)) {
            return 0;
        }
        if (Character.isLetter(c)) {
            return c;
        }
        if (c == '~') {
            return -1;
        }
        return c + 256;
    }

    private static int compareFragment(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() || j < b.length()) {
            int diff = 0;
            while ((i < a.length() && !Character.isDigit(a.charAt(i))) || (j < b.length() && !Character.isDigit(b.charAt(j)))) {
                int ac = i < a.length() && !Character.isDigit(a.charAt(i)) ? order(a.charAt(i)) : 0;
                int bc = j < b.length() && !Character.isDigit(b.charAt(j)) ? order(b.charAt(j)) : 0;
                if (ac != bc) {
                    return Integer.compare(ac, bc);
                }
                i++;
                j++;
            }
            while (i < a.length() && a.charAt(i) == '0') {
                i++;
            }
            while (j < b.length() && b.charAt(j) == '0') {
                j++;
            }
            while (i < a.length() && Character.isDigit(a.charAt(i)) && j < b.length() && Character.isDigit(b.charAt(j))) {
                if (diff == 0) {
                    diff = a.charAt(i) - b.charAt(j);
                }
                i++;
                j++;
            }
            if (i < a.length() && Character.isDigit(a.charAt(i))) {
                return 1;
            }
            if (j < b.length() && Character.isDigit(b.charAt(j))) {
                return -1;
            }
            if (diff != 0) {
                return Integer.signum(diff);
            }
        }
        return 0;
    }

    @Override
    public String toString() {
        return (epoch != 0 ? epoch + ":" : "") + upstream + (revision.isEmpty() ? "" : "-" + revision);
    }
}
