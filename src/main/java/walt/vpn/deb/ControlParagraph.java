package walt.vpn.deb;

import java.io.BufferedReader;
import java.io.IOException;
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
        Parser parser = new Parser(where, out::add);
        for (String line : text.split("\n", -1)) {
            parser.line(line);
        }
        parser.end();
        return out;
    }

    /**
     * Each paragraph of the lines {@code in} reads, handed to {@code each} as soon as it ends: a
     * Packages index is tens of megabytes, which as one string, then as an array of lines, took
     * more memory than the whole index it makes.
     */
    public static void parseEach(BufferedReader in, String where, ParagraphSink each) throws IOException {
        Parser parser = new Parser(where, each);
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            parser.line(line);
        }
        parser.end();
    }

    /** Takes each paragraph as it is parsed. */
    @FunctionalInterface
    public interface ParagraphSink {
        void accept(ControlParagraph p) throws InvalidDataException;
    }

    /** Lines in, paragraphs out: a blank line ends a paragraph. */
    private static final class Parser {
        private final String where;
        private final ParagraphSink sink;
        private Map<String, String> current = new LinkedHashMap<>();
        private final Map<String, String> seen = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        private String last;
        private int lineNo;

        Parser(String where, ParagraphSink sink) {
            this.where = where;
            this.sink = sink;
        }

        void line(String raw) throws InvalidDataException {
            lineNo++;
            String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
            if (line.isBlank()) {
                end();
                return;
            }
            if (line.startsWith("#") && last == null && current.isEmpty()) {
                return;
            }
            if (line.startsWith(" ") || line.startsWith("\t")) {
                if (last == null) {
                    throw new InvalidDataException(where + ": line " + lineNo + ": continuation line without a field");
                }
                current.put(last, current.get(last) + "\n" + line);
                return;
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

        /** Ends the paragraph being read, if any. */
        void end() throws InvalidDataException {
            if (!current.isEmpty()) {
                sink.accept(new ControlParagraph(current));
                current = new LinkedHashMap<>();
                seen.clear();
            }
            last = null;
        }
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
