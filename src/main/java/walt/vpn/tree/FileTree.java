package walt.vpn.tree;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * A whole file tree: what readers produce and writers consume. Paths are absolute,
 * slash-separated, and name directory entries, not host files.
 */
public final class FileTree {

    private final Directory root;

    public FileTree(Directory root) {
        this.root = root;
    }

    /** An empty tree whose root is a 0755 root-owned directory. */
    public static FileTree empty(Timestamp time) {
        return new FileTree(new Directory(Metadata.of(0755, time)));
    }

    public Directory root() {
        return root;
    }

    /** The node at {@code path}, or null. Symlinks are not followed. */
    public Node lookup(String path) {
        Node n = root;
        for (String part : split(path)) {
            if (!(n instanceof Directory d)) {
                return null;
            }
            n = d.child(part);
            if (n == null) {
                return null;
            }
        }
        return n;
    }

    /** Places {@code node} at {@code path}, creating missing parents like {@code mkdir -p}. */
    public void put(String path, Node node, Metadata parentMetadata) {
        String[] parts = split(path);
        if (parts.length == 0) {
            throw new IllegalArgumentException("cannot replace the root directory");
        }
        Directory dir = root;
        for (int i = 0; i < parts.length - 1; i++) {
            Node next = dir.child(parts[i]);
            if (next == null) {
                Directory created = new Directory(parentMetadata);
                dir.put(parts[i], created);
                dir = created;
            } else if (next instanceof Directory d) {
                dir = d;
            } else {
                throw new IllegalArgumentException("not a directory: /" + String.join("/", java.util.Arrays.copyOf(parts, i + 1)));
            }
        }
        dir.put(parts[parts.length - 1], node);
    }

    /**
     * Visits every entry depth-first, parents before children, siblings by name; the root is
     * visited first as "/". A hard-linked node is visited once per path.
     */
    public void walk(BiConsumer<String, Node> visitor) {
        Deque<Map.Entry<String, Node>> stack = new ArrayDeque<>();
        stack.push(Map.entry("/", root));
        while (!stack.isEmpty()) {
            Map.Entry<String, Node> e = stack.pop();
            visitor.accept(e.getKey(), e.getValue());
            if (e.getValue() instanceof Directory d) {
                String prefix = e.getKey().equals("/") ? "/" : e.getKey() + "/";
                for (Map.Entry<String, Node> c : d.children().descendingMap().entrySet()) {
                    stack.push(Map.entry(prefix + c.getKey(), c.getValue()));
                }
            }
        }
    }

    /**
     * Visits every node in the order of {@link #walk}, a hard-linked one once per name, without
     * making the paths: for the many passes over a large tree that do not need them.
     */
    public void forEachNode(Consumer<Node> visitor) {
        Deque<Node> stack = new ArrayDeque<>();
        stack.push(root);
        while (!stack.isEmpty()) {
            Node n = stack.pop();
            visitor.accept(n);
            if (n instanceof Directory d) {
                for (Node c : d.children().descendingMap().values()) {
                    stack.push(c);
                }
            }
        }
    }

    /** How many directory entries name each non-directory node (its hard link count). */
    public Map<Node, Integer> pathCounts() {
        Map<Node, Integer> counts = new IdentityHashMap<>();
        forEachNode(n -> {
            if (!(n instanceof Directory)) {
                counts.merge(n, 1, Integer::sum);
            }
        });
        return counts;
    }

    /** The newest mtime in the tree, whole seconds: a time that depends on the content only. */
    public Timestamp newestTime() {
        Timestamp[] newest = {Timestamp.EPOCH};
        forEachNode(n -> {
            if (n.metadata().mtime().compareTo(newest[0]) > 0) {
                newest[0] = n.metadata().mtime();
            }
        });
        return Timestamp.ofSeconds(newest[0].seconds());
    }

    /** The bytes of every regular file, a hard-linked one once: what a writer has to copy. */
    public long contentBytes() {
        long[] sum = {0};
        Map<Node, Boolean> seen = new IdentityHashMap<>();
        forEachNode(n -> {
            if (n instanceof RegularFile f && seen.put(f, Boolean.TRUE) == null) {
                sum[0] += f.content().size();
            }
        });
        return sum[0];
    }

    /**
     * A copy whose times depend on the content's history only, hard links kept: every mtime
     * later than {@code limit} set to it, atime and ctime set to the mtime (see
     * {@link Metadata#reproducibleTimes}).
     */
    public FileTree reproducibleTimes(Timestamp limit) {
        return withMetadata(m -> m.reproducibleTimes(limit));
    }

    /** A copy with every entry root-owned (0:0), hard links kept. */
    public FileTree rootOwned() {
        return withMetadata(m -> m.withOwner(0, 0));
    }

    /** A copy with {@code change} applied to every entry's metadata, hard links kept. */
    private FileTree withMetadata(UnaryOperator<Metadata> change) {
        return new FileTree(copyDir(root, change, new IdentityHashMap<>()));
    }

    private static Directory copyDir(Directory d, UnaryOperator<Metadata> change, Map<Node, Node> done) {
        Directory copy = new Directory(change.apply(d.metadata()));
        for (Map.Entry<String, Node> c : d.children().entrySet()) {
            Node n = c.getValue();
            Node changed = n instanceof Directory sub
                    ? copyDir(sub, change, done)
                    : done.computeIfAbsent(n, k -> k.withMetadata(change.apply(k.metadata())));
            copy.put(c.getKey(), changed);
        }
        return copy;
    }

    public static String[] split(String path) {
        String p = path;
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        if (p.isEmpty()) {
            return new String[0];
        }
        String[] parts = p.split("/+");
        for (String s : parts) {
            if (s.equals(".") || s.equals("..")) {
                throw new IllegalArgumentException("path must not contain . or ..: " + path);
            }
        }
        return parts;
    }
}
