package walt.vpn.tree;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Ownership, permission and xattr overrides for a tree read from a place that lost them (a
 * git checkout, a copy made without root). The file has one rule per line:
 *
 * <pre>
 * # comment; blank lines are ignored
 * /usr/bin/ping            xattr.security.capability=0x0100000200200000000000000000000000000000
 * /etc/shadow              mode=0640 gid=42
 * /home/pi                 uid=1000 gid=1000 mode=0755
 * /home/pi/**              uid=1000 gid=1000
 * "/opt/with space/x"      xattr.user.comment="some text"
 * </pre>
 *
 * <p>The first word is an absolute tree path or a glob ({@code *} and {@code ?} stay within
 * one path component, {@code **} crosses them, {@code [..]} and {@code {a,b}} as in
 * {@link java.nio.file.FileSystem#getPathMatcher}); double quotes allow spaces. Then
 * {@code key=value} settings: {@code mode=} octal permission bits up to {@code 07777},
 * {@code uid=} and {@code gid=} decimal 0 to 4294967295, {@code xattr.NAME=0xHEX} for binary
 * values or {@code xattr.NAME="text"} (with {@code \"}, {@code \\}, {@code \n} escapes) for
 * text. The file type cannot be changed. Lines apply in order, so a later line wins over an
 * earlier one for the same setting; a rule applies to the file, so every hard link of it
 * changes. An unknown key, a malformed value, or a path or glob that matches nothing is an
 * {@link InvalidDataException} naming the file and line.
 */
public final class TreeOverrides {

    private record Rule(int line, String pattern, PathMatcher matcher, Integer mode, Long uid, Long gid,
                        Map<String, byte[]> xattrs) {
    }

    private final String source;
    private final List<Rule> rules;

    private TreeOverrides(String source, List<Rule> rules) {
        this.source = source;
        this.rules = rules;
    }

    public static TreeOverrides read(Path file) throws IOException {
        return parse(file.getFileName().toString(), Files.readString(file, StandardCharsets.UTF_8));
    }

    public static TreeOverrides parse(String source, String text) throws InvalidDataException {
        List<Rule> rules = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String where = source + ":" + (i + 1);
            List<String> words = words(lines[i], where);
            if (words.isEmpty()) {
                continue;
            }
            if (words.size() == 1) {
                throw new InvalidDataException(where + ": rule has a path but no key=value settings");
            }
            String pattern = words.get(0);
            if (!pattern.startsWith("/")) {
                pattern = "/" + pattern;
            }
            PathMatcher matcher;
            try {
                matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
            } catch (IllegalArgumentException e) {
                throw new InvalidDataException(where + ": bad glob '" + pattern + "': " + e.getMessage());
            }
            Integer mode = null;
            Long uid = null;
            Long gid = null;
            Map<String, byte[]> xattrs = new LinkedHashMap<>();
            for (String kv : words.subList(1, words.size())) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new InvalidDataException(where + ": expected key=value, got '" + kv + "'");
                }
                String key = kv.substring(0, eq);
                String value = kv.substring(eq + 1);
                if (key.equals("mode")) {
                    if (!value.matches("[0-7]{1,5}") || Integer.parseInt(value, 8) > 07777) {
                        throw new InvalidDataException(where + ": mode must be octal up to 07777, got '" + value + "'");
                    }
                    mode = Integer.parseInt(value, 8);
                } else if (key.equals("uid") || key.equals("gid")) {
                    if (!value.matches("[0-9]{1,10}") || Long.parseLong(value) > 0xFFFFFFFFL) {
                        throw new InvalidDataException(where + ": " + key + " must be a number 0 to 4294967295, got '" + value + "'");
                    }
                    if (key.equals("uid")) {
                        uid = Long.parseLong(value);
                    } else {
                        gid = Long.parseLong(value);
                    }
                } else if (key.startsWith("xattr.") && key.length() > "xattr.".length()) {
                    String name = key.substring("xattr.".length());
                    if (!name.matches("(user|security|trusted|system)\\.[^\\s=]+")) {
                        throw new InvalidDataException(where + ": xattr name must be user.*, security.*, trusted.* or system.*, got '" + name + "'");
                    }
                    xattrs.put(name, xattrValue(value, where));
                } else {
                    throw new InvalidDataException(where + ": unknown key '" + key + "' (known: mode, uid, gid, xattr.NAME)");
                }
            }
            rules.add(new Rule(i + 1, pattern, matcher, mode, uid, gid, xattrs));
        }
        return new TreeOverrides(source, rules);
    }

    /** Applies the rules in order; hard-linked files change at every path. */
    public void applyTo(FileTree tree) throws InvalidDataException {
        List<Map.Entry<String, Node>> entries = new ArrayList<>();
        tree.walk((p, n) -> entries.add(Map.entry(p, n)));
        Map<Node, Metadata> changed = new IdentityHashMap<>();
        for (Rule r : rules) {
            boolean matched = false;
            for (Map.Entry<String, Node> e : entries) {
                if (!r.matcher.matches(Path.of(e.getKey()))) {
                    continue;
                }
                matched = true;
                Node n = e.getValue();
                Metadata m = changed.getOrDefault(n, n.metadata());
                if (r.mode != null) {
                    m = m.withPermissions(r.mode);
                }
                if (r.uid != null || r.gid != null) {
                    m = m.withOwner(r.uid != null ? r.uid.intValue() : m.uid(), r.gid != null ? r.gid.intValue() : m.gid());
                }
                Xattrs x = m.xattrs();
                for (Map.Entry<String, byte[]> xe : r.xattrs.entrySet()) {
                    x = x.with(xe.getKey(), xe.getValue());
                }
                changed.put(n, m.withXattrs(x));
            }
            if (!matched) {
                throw new InvalidDataException(source + ":" + r.line + ": '" + r.pattern + "' matches nothing in the tree");
            }
        }
        Map<Node, Node> replaced = new IdentityHashMap<>();
        for (Map.Entry<String, Node> e : entries) {
            Node n = e.getValue();
            Metadata m = changed.get(n);
            if (m == null) {
                continue;
            }
            if (n instanceof Directory d) {
                d.setMetadata(m);
            } else {
                Node repl = replaced.computeIfAbsent(n, k -> k.withMetadata(m));
                String path = e.getKey();
                int slash = path.lastIndexOf('/');
                Directory parent = (Directory) tree.lookup(path.substring(0, Math.max(slash, 1)));
                parent.put(path.substring(slash + 1), repl);
            }
        }
    }

    private static byte[] xattrValue(String v, String where) throws InvalidDataException {
        if (v.startsWith("0x") || v.startsWith("0X")) {
            String hex = v.substring(2);
            if (hex.isEmpty() || hex.length() % 2 != 0 || !hex.matches("[0-9a-fA-F]+")) {
                throw new InvalidDataException(where + ": bad hex xattr value '" + v + "'");
            }
            byte[] b = new byte[hex.length() / 2];
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
            }
            return b;
        }
        if (v.startsWith("\u0001")) {
            // words() marks quoted text with a leading \u0001 so that 0x... in quotes stays text.
            return v.substring(1).getBytes(StandardCharsets.UTF_8);
        }
        throw new InvalidDataException(where + ": xattr value must be 0xHEX or \"text\", got '" + v + "'");
    }

    /** Splits a line into words; a double-quoted part may hold spaces and escapes. */
    private static List<String> words(String line, String where) throws InvalidDataException {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = line.length();
        while (true) {
            while (i < n && Character.isWhitespace(line.charAt(i))) {
                i++;
            }
            if (i >= n || line.charAt(i) == '#') {
                return out;
            }
            StringBuilder w = new StringBuilder();
            boolean quotedValue = false;
            while (i < n && !Character.isWhitespace(line.charAt(i))) {
                char c = line.charAt(i);
                if (c != '"') {
                    w.append(c);
                    i++;
                    continue;
                }
                // A quoted run: in a key=value word it marks the value as text.
                if (w.length() > 0 && w.charAt(w.length() - 1) == '=') {
                    quotedValue = true;
                }
                i++;
                StringBuilder q = new StringBuilder();
                boolean closed = false;
                while (i < n) {
                    char d = line.charAt(i++);
                    if (d == '"') {
                        closed = true;
                        break;
                    }
                    if (d == '\\' && i < n) {
                        char e = line.charAt(i++);
                        q.append(e == 'n' ? '\n' : e);
                    } else {
                        q.append(d);
                    }
                }
                if (!closed) {
                    throw new InvalidDataException(where + ": unterminated quote");
                }
                w.append(quotedValue ? "\u0001" : "").append(q);
            }
            out.add(w.toString());
        }
    }
}
