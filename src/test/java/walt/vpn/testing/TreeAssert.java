package walt.vpn.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import walt.vpn.tree.DeviceNode;
import walt.vpn.tree.Directory;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.Metadata;
import walt.vpn.tree.Node;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.Symlink;

/**
 * Compares two trees entry by entry: type, content, permissions, owner, times, xattrs, device
 * numbers, symlink targets and hard-link structure.
 */
public final class TreeAssert {

    /** What a filesystem cannot keep, so the comparison leaves it out. */
    public record Fidelity(boolean owners, boolean xattrs, boolean nanos, boolean atimeCtime,
                           Set<String> ignoredPaths) {
        public static final Fidelity FULL = new Fidelity(true, true, true, true, Set.of());

        public Fidelity ignoring(String... paths) {
            return new Fidelity(owners, xattrs, nanos, atimeCtime, Set.of(paths));
        }
    }

    private TreeAssert() {
    }

    public static void assertSameTree(FileTree expected, FileTree actual, Fidelity f) throws IOException {
        Map<String, Node> e = flatten(expected, f);
        Map<String, Node> a = flatten(actual, f);
        if (!e.keySet().equals(a.keySet())) {
            Set<String> missing = new TreeSet<>(e.keySet());
            missing.removeAll(a.keySet());
            Set<String> extra = new TreeSet<>(a.keySet());
            extra.removeAll(e.keySet());
            fail("paths differ; missing " + first(missing) + ", unexpected " + first(extra));
        }
        Map<Node, String> firstPathE = new IdentityHashMap<>();
        Map<Node, String> firstPathA = new IdentityHashMap<>();
        for (String path : e.keySet()) {
            Node x = e.get(path);
            Node y = a.get(path);
            assertEquals(x.type(), y.type(), path + ": type");
            assertMetadata(path, x.metadata(), y.metadata(), f);
            if (x instanceof RegularFile rx) {
                RegularFile ry = (RegularFile) y;
                assertEquals(rx.content().size(), ry.content().size(), path + ": size");
                assertArrayEquals(rx.content().readAll(), ry.content().readAll(), path + ": content");
            } else if (x instanceof Symlink sx) {
                assertEquals(sx.target(), ((Symlink) y).target(), path + ": symlink target");
            } else if (x instanceof DeviceNode dx) {
                DeviceNode dy = (DeviceNode) y;
                assertEquals(dx.major() + ":" + dx.minor(), dy.major() + ":" + dy.minor(), path + ": device");
            }
            if (!(x instanceof Directory)) {
                // Hard links: both trees must group the same paths onto one node.
                String ex = firstPathE.putIfAbsent(x, path);
                String ay = firstPathA.putIfAbsent(y, path);
                assertEquals(ex, ay, path + ": hard link target");
            }
        }
    }

    private static void assertMetadata(String path, Metadata x, Metadata y, Fidelity f) {
        assertEquals(Integer.toOctalString(x.permissions()), Integer.toOctalString(y.permissions()), path + ": permissions");
        if (f.owners()) {
            assertEquals(x.uid() + ":" + x.gid(), y.uid() + ":" + y.gid(), path + ": owner");
        }
        if (f.xattrs()) {
            assertEquals(x.xattrs(), y.xattrs(), path + ": xattrs");
        }
        assertEquals(time(x.mtime(), f), time(y.mtime(), f), path + ": mtime");
        if (f.atimeCtime()) {
            assertEquals(time(x.atime(), f), time(y.atime(), f), path + ": atime");
            assertEquals(time(x.ctime(), f), time(y.ctime(), f), path + ": ctime");
        }
    }

    private static String time(walt.vpn.tree.Timestamp t, Fidelity f) {
        return f.nanos() ? t.toString() : Long.toString(t.seconds());
    }

    private static Map<String, Node> flatten(FileTree t, Fidelity f) {
        Map<String, Node> m = new java.util.TreeMap<>();
        t.walk((p, n) -> {
            for (String ignored : f.ignoredPaths()) {
                if (p.equals(ignored) || p.startsWith(ignored + "/")) {
                    return;
                }
            }
            m.put(p, n);
        });
        return m;
    }

    private static String first(Set<String> s) {
        return s.isEmpty() ? "none" : s.size() > 5 ? s.stream().limit(5).toList() + " (+" + (s.size() - 5) + ")" : s.toString();
    }
}
