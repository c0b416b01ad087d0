package walt.vpn.deb;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import walt.vpn.tree.InvalidDataException;

/**
 * One paragraph of dpkg's status file (or of a package's {@code control} file): fields in their
 * order, each value kept as written (continuation lines included, without the final newline),
 * so that paragraphs we do not touch are written back as they were read.
 *
 * <p>Parsed by {@link ControlParagraph}; this type adds dpkg's field order for writing.
 */
record StatusParagraph(List<Map.Entry<String, String>> fields) {

    /**
     * dpkg's own field order in the status file ({@code lib/dpkg/parse.c} fieldinfos); unknown
     * fields follow in their original order.
     */
    private static final List<String> DPKG_ORDER = List.of(
            "Package", "Essential", "Protected", "Status", "Priority", "Section", "Installed-Size", "Origin",
            "Maintainer", "Bugs", "Architecture", "Multi-Arch", "Source", "Version", "Config-Version",
            "Replaces", "Provides", "Depends", "Pre-Depends", "Recommends", "Suggests", "Breaks",
            "Conflicts", "Enhances", "Conffiles", "Filename", "Size", "MD5sum", "MSDOS-Filename",
            "Description", "Triggers-Pending", "Triggers-Awaited");

    StatusParagraph {
        fields = Collections.unmodifiableList(new ArrayList<>(fields));
    }

    /** Parses every paragraph of {@code text}; {@code where} names the file in errors. */
    static List<StatusParagraph> parseAll(String text, String where) throws InvalidDataException {
        List<StatusParagraph> out = new ArrayList<>();
        for (ControlParagraph p : ControlParagraph.parseAll(text, where)) {
            out.add(new StatusParagraph(new ArrayList<>(p.fields().entrySet())));
        }
        return out;
    }

    /** The value of {@code field} (case-insensitive, as dpkg matches names), or null. */
    String get(String field) {
        for (Map.Entry<String, String> f : fields) {
            if (f.getKey().equalsIgnoreCase(field)) {
                return f.getValue();
            }
        }
        return null;
    }

    /** The first line of the value, trimmed, or "" when absent. */
    String first(String field) {
        String v = get(field);
        return v == null ? "" : v.lines().findFirst().orElse("").strip();
    }

    /** A copy with {@code field} set (replaced in place, or added), then put in dpkg's order. */
    StatusParagraph with(String field, String value) {
        List<Map.Entry<String, String>> copy = new ArrayList<>();
        boolean done = false;
        for (Map.Entry<String, String> f : fields) {
            if (f.getKey().equalsIgnoreCase(field)) {
                if (!done && value != null) {
                    copy.add(Map.entry(field, value));
                }
                done = true;
            } else {
                copy.add(f);
            }
        }
        if (!done && value != null) {
            copy.add(Map.entry(field, value));
        }
        return new StatusParagraph(copy).inDpkgOrder();
    }

    /** The same fields, known ones in dpkg's order, unknown ones after them as they came. */
    StatusParagraph inDpkgOrder() {
        List<Map.Entry<String, String>> sorted = new ArrayList<>(fields);
        sorted.sort((a, b) -> Integer.compare(rank(a.getKey()), rank(b.getKey())));
        return new StatusParagraph(sorted);
    }

    private static int rank(String field) {
        for (int i = 0; i < DPKG_ORDER.size(); i++) {
            if (DPKG_ORDER.get(i).equalsIgnoreCase(field)) {
                return i;
            }
        }
        return DPKG_ORDER.size();
    }

    /** The paragraph as text, ending with a newline (no blank separator line). */
    String render() {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> f : fields) {
            sb.append(f.getKey()).append(':');
            String v = f.getValue();
            if (!v.isEmpty() && !v.startsWith("\n")) {
                sb.append(' ');
            }
            sb.append(v).append('\n');
        }
        return sb.toString();
    }
}
