package walt.vpn.deb;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import walt.vpn.tree.InvalidDataException;

/**
 * One paragraph of a Debian control file (deb822): fields in their order, names compared
 * without case, each value as written (continuation lines verbatim, leading blank included),
 * so that a paragraph can be written back byte for byte. What InRelease, Packages indexes and
 * dpkg status files are made of.
 */
public final class ControlParagraph {

    private final Map<String, String> fields;

    private ControlParagraph(Map<String, String> fields) {
        this.fields = Collections.unmodifiableMap(fields);
    }

    /** Every paragraph of {@code text}; {@code where} names the source in error messages. */
    public static List<ControlParagraph> parseAll(String text, String where) throws InvalidDataException {
        List<ControlParagraph> out = new ArrayList<>();
        Map<String, String> current = new LinkedHashMap<>();
        Map<String, String> seen = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        String last = null;
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            if (line.isBlank()) {
                if (!current.isEmpty()) {
                    out.add(new ControlParagraph(current));
                    current = new LinkedHashMap<>();
                    seen.clear();
                }
                last = null;
                continue;
            }
            if (line.startsWith("#") && last == null && current.isEmpty()) {
                continue;
            }
            if (line.startsWith(" ") || line.startsWith("\t")) {
                if (last == null) {
                    throw new InvalidDataException(where + ": line " + lineNo + ": continuation line without a field");
                }
                current.put(last, current.get(last) + "\n" + line);
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new InvalidDataException(where + ": line " + lineNo + ": not a 'Field: value' line: " + shorten(line));
            }
            String name = line.substring(0, colon);
            if (!name.matches("[!-9;-~]+")) {
                throw new InvalidDataException(where + ": line " + lineNo + ": bad field name '" + shorten(name) + "'");
            }
            if (seen.put(name, name) != null) {
                throw new InvalidDataException(where + ": line " + lineNo + ": field " + shorten(name) + " appears twice");
            }
            current.put(name, line.substring(colon + 1).stripLeading());
            last = name;
        }
        if (!current.isEmpty()) {
            out.add(new ControlParagraph(current));
        }
        return out;
    }

    private static String shorten(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    /** The field's value as written (continuation lines after newlines), or null. */
    public String get(String name) {
        String v = fields.get(name);
        if (v != null) {
            return v;
        }
        for (Map.Entry<String, String> e : fields.entrySet()) {
            if (e.getKey().equalsIgnoreCase(name)) {
                return e.getValue();
            }
        }
        return null;
    }

    public String get(String name, String otherwise) {
        String v = get(name);
        return v == null ? otherwise : v;
    }

    public Map<String, String> fields() {
        return fields;
    }
}
