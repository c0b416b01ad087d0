package walt.vpn.fat;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * An 8.3 name as stored in a short directory entry (11 bytes, space padded), with the NT
 * lower-case flags and whether a long name must accompany it. Aliases for long names are made
 * the way Linux and Windows make them: upper case, invalid characters as '_', spaces and extra
 * dots dropped, and a numeric tail ({@code NAME~1.EXT}) when the result is lossy or taken.
 */
public record ShortName(byte[] bytes, int caseFlags, boolean needsLongName) {

    private static final String SPECIAL = "!#$%&'()-@^_`{}~";
    private static final String INVALID_LONG = "\"*/:<>?\\|";
    private static final Charset OEM = oemCharset();

    public ShortName {
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The 11 bytes as a string key (ISO-8859-1, one char per byte). */
    public String key() {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static Charset oemCharset() {
        // mtools and fsck.fat default to code page 850 for bytes above 0x7F.
        try {
            return Charset.forName("IBM850");
        } catch (RuntimeException e) {
            return StandardCharsets.ISO_8859_1;
        }
    }

    /** Why a name cannot be a FAT long name, or null when it can. */
    public static String invalidReason(String name) {
        if (name.length() > LongNameEntry.MAX_NAME) {
            return "name longer than 255 UTF-16 units";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || INVALID_LONG.indexOf(c) >= 0) {
                return "character " + (c < 0x20 ? String.format("0x%02x", (int) c) : "'" + c + "'") + " is not allowed on FAT";
            }
        }
        char last = name.charAt(name.length() - 1);
        if (last == '.' || last == ' ') {
            return "FAT drops trailing dots and spaces";
        }
        return null;
    }

    /** The case-insensitive form FAT compares names by. */
    public static String foldCase(String name) {
        return name.toUpperCase(Locale.ROOT);
    }

    /**
     * The 8.3 name for {@code name} in a directory whose short names are {@code taken} (keys as
     * {@link #key()}). {@code nextTail} remembers, per basis, the last numeric tail used, so a
     * directory of thousands of similar names does not rescan from ~1 each time.
     */
    public static ShortName forName(String name, Set<String> taken, Map<String, Integer> nextTail) {
        ShortName exact = exact83(name);
        if (exact != null && !taken.contains(exact.key())) {
            return exact;
        }
        String upper = foldCase(name);
        int start = 0;
        while (start < upper.length() && (upper.charAt(start) == '.' || upper.charAt(start) == ' ')) {
            start++;
        }
        String stripped = upper.substring(start);
        int dot = stripped.lastIndexOf('.');
        String baseSrc = dot > 0 ? stripped.substring(0, dot) : stripped;
        String extSrc = dot > 0 ? stripped.substring(dot + 1) : "";
        boolean lossy = start > 0;
        StringBuilder base = new StringBuilder();
        for (int i = 0; i < baseSrc.length(); i++) {
            char c = baseSrc.charAt(i);
            if (c == ' ' || c == '.') {
                lossy = true;
                continue;
            }
            char m = mapChar(c);
            lossy |= m != c;
            base.append(m);
        }
        StringBuilder ext = new StringBuilder();
        for (int i = 0; i < extSrc.length(); i++) {
            char c = extSrc.charAt(i);
            if (c == ' ' || c == '.') {
                lossy = true;
                continue;
            }
            char m = mapChar(c);
            lossy |= m != c;
            ext.append(m);
        }
        if (base.length() == 0) {
            base.append('_');
            lossy = true;
        }
        if (ext.length() > 3) {
            ext.setLength(3);
            lossy = true;
        }
        if (!lossy && base.length() <= 8) {
            byte[] b = pack(base.toString(), ext.toString());
            if (!taken.contains(key(b))) {
                return new ShortName(b, 0, true);
            }
        }
        // Every candidate below is built from at most the first 6 characters of the basis, so
        // names sharing those (and the extension) share one counter.
        String tailKey = base.substring(0, Math.min(6, base.length())) + "." + ext;
        int n = nextTail.getOrDefault(tailKey, 1);
        for (; n < 10_000_000; n++) {
            String tail = "~" + n;
            String b = base.substring(0, Math.min(base.length(), 8 - tail.length())) + tail;
            byte[] packed = pack(b, ext.toString());
            if (!taken.contains(key(packed))) {
                nextTail.put(tailKey, n + 1);
                return new ShortName(packed, 0, true);
            }
        }
        throw new IllegalStateException("no free 8.3 alias for " + name);
    }

    /** The name itself when it is a valid 8.3 name, all upper or all lower case per part. */
    static ShortName exact83(String name) {
        if (name.equals(".") || name.equals("..")) {
            return null;
        }
        int dot = name.indexOf('.');
        if (dot != name.lastIndexOf('.') || dot == 0) {
            return null;
        }
        String base = dot < 0 ? name : name.substring(0, dot);
        String ext = dot < 0 ? "" : name.substring(dot + 1);
        if (base.isEmpty() || base.length() > 8 || ext.length() > 3 || (dot >= 0 && ext.isEmpty())) {
            return null;
        }
        int baseCase = caseOf(base);
        int extCase = caseOf(ext);
        if (baseCase < 0 || extCase < 0) {
            return null;
        }
        String ub = base.toUpperCase(Locale.ROOT);
        String ue = ext.toUpperCase(Locale.ROOT);
        for (String part : new String[] {ub, ue}) {
            for (int i = 0; i < part.length(); i++) {
                char c = part.charAt(i);
                if (mapChar(c) != c) {
                    return null;
                }
            }
        }
        int flags = (baseCase == 1 ? DirectoryEntry.CASE_LOWER_BASE : 0) | (extCase == 1 ? DirectoryEntry.CASE_LOWER_EXT : 0);
        return new ShortName(pack(ub, ue), flags, false);
    }

    /** 0 upper or no letters, 1 all lower, -1 mixed. */
    private static int caseOf(String s) {
        boolean upper = false;
        boolean lower = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            upper |= c >= 'A' && c <= 'Z';
            lower |= c >= 'a' && c <= 'z';
        }
        return upper && lower ? -1 : lower ? 1 : 0;
    }

    /** An upper-case char as it may appear in an 8.3 name, '_' when it cannot. */
    private static char mapChar(char c) {
        if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || SPECIAL.indexOf(c) >= 0) {
            return c;
        }
        return '_';
    }

    private static byte[] pack(String base, String ext) {
        byte[] b = new byte[11];
        Arrays.fill(b, (byte) ' ');
        byte[] bb = base.getBytes(StandardCharsets.US_ASCII);
        byte[] eb = ext.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bb, 0, b, 0, bb.length);
        System.arraycopy(eb, 0, b, 8, eb.length);
        return b;
    }

    static String key(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** The name a short entry shows when it has no long name: "NAME.EXT", NT case flags applied. */
    public static String display(byte[] raw, int caseFlags) {
        byte[] b = raw.clone();
        if ((b[0] & 0xFF) == 0x05) {
            b[0] = (byte) 0xE5; // 0x05 stands for a leading 0xE5, which would mean "deleted"
        }
        String base = new String(b, 0, 8, OEM).stripTrailing();
        String ext = new String(b, 8, 3, OEM).stripTrailing();
        if ((caseFlags & DirectoryEntry.CASE_LOWER_BASE) != 0) {
            base = base.toLowerCase(Locale.ROOT);
        }
        if ((caseFlags & DirectoryEntry.CASE_LOWER_EXT) != 0) {
            ext = ext.toLowerCase(Locale.ROOT);
        }
        return ext.isEmpty() ? base : base + "." + ext;
    }
}
