package walt.vpn.ext4;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import walt.vpn.tree.DeviceNode;
import walt.vpn.tree.Directory;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.Node;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.Symlink;

/**
 * Checks an image against the tree written into it using debugfs alone: type, mode, owner,
 * size, link count, nanosecond mtime, device numbers, symlink targets, xattr names and sizes,
 * and file content.
 */
final class DebugfsTreeCheck {

    private static final Pattern HEADER = Pattern.compile("Inode: (\\d+)\\s+Type: (.+?)\\s+Mode:\\s+(\\d+)");
    private static final Pattern OWNER = Pattern.compile("User:\\s+(\\d+)\\s+Group:\\s+(\\d+).*Size: (\\d+)");
    private static final Pattern LINKS = Pattern.compile("Links: (\\d+)");
    private static final Pattern MTIME = Pattern.compile("\\n\\s*mtime: 0x([0-9a-f]+):([0-9a-f]+)");
    private static final Pattern ATIME = Pattern.compile("\\n\\s*atime: 0x([0-9a-f]+):([0-9a-f]+)");
    private static final Pattern CTIME = Pattern.compile("\\n\\s*ctime: 0x([0-9a-f]+):([0-9a-f]+)");
    private static final Pattern DEVICE = Pattern.compile("Device major/minor number: ([0-9]+):([0-9]+)");
    private static final Pattern FAST = Pattern.compile("Fast link dest: \"(.*)\"");
    private static final Pattern XATTR = Pattern.compile("^  (\\S+) \\((\\d+)\\)", Pattern.MULTILINE);

    private DebugfsTreeCheck() {
    }

    static void assertMatches(FileTree tree, Path image, Path scratch) throws Exception {
        Map<String, Node> paths = new TreeMap<>();
        tree.walk((p, n) -> paths.put(p, n));
        Map<Node, Integer> links = tree.pathCounts();
        List<String> requests = new ArrayList<>();
        Map<String, Path> dumps = new TreeMap<>();
        int i = 0;
        for (Map.Entry<String, Node> e : paths.entrySet()) {
            String q = Debugfs.quote(e.getKey());
            requests.add("stat " + q);
            requests.add("ea_list " + q);
            if (e.getValue() instanceof RegularFile f && f.content().size() <= 4 << 20) {
                Path out = scratch.resolve("dump" + i++);
                dumps.put(e.getKey(), out);
                requests.add("dump " + q + " " + out);
            }
        }
        Map<String, String> res = Debugfs.batch(image, requests);
        for (Map.Entry<String, Node> e : paths.entrySet()) {
            String path = e.getKey();
            Node n = e.getValue();
            String q = Debugfs.quote(path);
            String stat = res.get("stat " + q);
            assertNotNull(stat, path + ": no debugfs output");
            Matcher h = HEADER.matcher(stat);
            assertTrue(h.find(), path + ": " + stat);
            assertEquals(typeName(n), h.group(2).trim(), path + ": type");
            assertEquals(Integer.toOctalString(n.metadata().permissions()), Integer.toOctalString(Integer.parseInt(h.group(3), 8)), path + ": mode");
            Matcher o = OWNER.matcher(stat);
            assertTrue(o.find(), stat);
            assertEquals(n.metadata().uid() + ":" + n.metadata().gid(), o.group(1) + ":" + o.group(2), path + ": owner");
            Matcher l = LINKS.matcher(stat);
            assertTrue(l.find(), stat);
            int expectedLinks = n instanceof Directory d
                    ? 2 + (int) d.children().values().stream().filter(c -> c instanceof Directory).count() + (path.equals("/") && d.child("lost+found") == null ? 1 : 0)
                    : links.get(n);
            assertEquals(expectedLinks, Integer.parseInt(l.group(1)), path + ": links");
            assertEquals(n.metadata().mtime(), time(MTIME, stat), path + ": mtime");
            assertEquals(n.metadata().atime(), time(ATIME, stat), path + ": atime");
            assertEquals(n.metadata().ctime(), time(CTIME, stat), path + ": ctime");
            if (n instanceof RegularFile f) {
                assertEquals(f.content().size(), Long.parseLong(o.group(3)), path + ": size");
                Path dump = dumps.get(path);
                if (dump != null) {
                    assertArrayEquals(f.content().readAll(), Files.readAllBytes(dump), path + ": content");
                }
            } else if (n instanceof Symlink s) {
                Matcher fast = FAST.matcher(stat);
                if (s.target().getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 60) {
                    assertTrue(fast.find(), path + ": a short symlink must be fast: " + stat);
                    assertEquals(s.target(), fast.group(1), path + ": target");
                } else {
                    assertTrue(!fast.find() && stat.contains("EXTENTS:"), path + ": a long symlink needs a block: " + stat);
                }
            } else if (n instanceof DeviceNode d) {
                Matcher dev = DEVICE.matcher(stat);
                assertTrue(dev.find(), stat);
                assertEquals(d.major() + ":" + d.minor(), Integer.parseInt(dev.group(1)) + ":" + Integer.parseInt(dev.group(2)), path + ": device");
            }
            Map<String, Integer> expectedX = new TreeMap<>();
            for (String name : n.metadata().xattrs().names()) {
                byte[] v = n.metadata().xattrs().get(name);
                // debugfs shows ACLs in ext4's own, shorter encoding.
                expectedX.put(name, Ext4Acl.isAclName(name) ? Ext4Acl.toExt4(v).length : v.length);
            }
            Map<String, Integer> actualX = new TreeMap<>();
            Matcher x = XATTR.matcher(res.getOrDefault("ea_list " + q, ""));
            while (x.find()) {
                actualX.put(x.group(1), Integer.parseInt(x.group(2)));
            }
            assertEquals(expectedX, actualX, path + ": xattrs");
        }
    }

    private static walt.vpn.tree.Timestamp time(Pattern p, String stat) {
        Matcher m = p.matcher(stat);
        assertTrue(m.find(), stat);
        return Inode.time((int) Long.parseLong(m.group(1), 16), (int) Long.parseLong(m.group(2), 16));
    }

    private static String typeName(Node n) {
        return switch (n.type()) {
            case REGULAR -> "regular";
            case DIRECTORY -> "directory";
            case SYMLINK -> "symlink";
            case CHAR_DEVICE -> "character special";
            case BLOCK_DEVICE -> "block special";
            case FIFO -> "FIFO";
            case SOCKET -> "socket";
        };
    }
}
