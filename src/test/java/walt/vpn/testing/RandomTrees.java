package walt.vpn.testing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import walt.vpn.tree.DataRange;
import walt.vpn.tree.DeviceNode;
import walt.vpn.tree.Directory;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.FileType;
import walt.vpn.tree.Metadata;
import walt.vpn.tree.Node;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.SpecialFile;
import walt.vpn.tree.Symlink;
import walt.vpn.tree.Timestamp;
import walt.vpn.tree.Xattrs;

/**
 * Random file trees for property tests: deep paths, long and non-ASCII names, big
 * directories, sparse and large files, hard links, every file type, xattrs, nanosecond times.
 * The same seed gives the same tree.
 */
public final class RandomTrees {

    /** What the generated tree may contain; FAT, for one, has no owners, links or devices. */
    public record Shape(int entries, long maxFileSize, int bigDirectory, boolean posix) {
        public static final Shape SMALL_POSIX = new Shape(200, 300_000, 0, true);
        public static final Shape SMALL_FAT = new Shape(150, 300_000, 0, false);
    }

    private static final String[] WORDS = {"etc", "usr", "lib", "a", "b", "long-name", "ünïcødé", "日本語", "файл",
        "with space", "x.y.z", "UPPER", "MiXeD", "dots..", "-dash"};

    private final Random rnd;
    private final Shape shape;
    private final List<Directory> dirs = new ArrayList<>();
    private final List<Node> linkable = new ArrayList<>();

    private RandomTrees(long seed, Shape shape) {
        this.rnd = new Random(seed);
        this.shape = shape;
    }

    public static FileTree generate(long seed, Shape shape) {
        return new RandomTrees(seed, shape).build();
    }

    private FileTree build() {
        FileTree tree = new FileTree(new Directory(meta(0755)));
        dirs.add(tree.root());
        for (int i = 0; i < shape.entries(); i++) {
            Directory parent = dirs.get(rnd.nextInt(dirs.size()));
            String name = name();
            if (parent.child(name) != null) {
                continue;
            }
            parent.put(name, node());
        }
        if (shape.bigDirectory() > 0) {
            Directory big = new Directory(meta(0755));
            tree.root().put("big", big);
            for (int i = 0; i < shape.bigDirectory(); i++) {
                big.put("entry-" + i + (shape.posix() ? "-ü" : ""), new RegularFile(meta(0644), GeneratedContent.dense(i, i % 7 == 0 ? 10 : 0)));
            }
        }
        return tree;
    }

    private Node node() {
        int k = rnd.nextInt(100);
        if (k < 25) {
            Directory d = new Directory(meta(rnd.nextBoolean() ? 0755 : 0700));
            dirs.add(d);
            return d;
        }
        if (shape.posix() && k < 32 && !linkable.isEmpty()) {
            return linkable.get(rnd.nextInt(linkable.size())); // hard link
        }
        if (shape.posix() && k < 42) {
            String target = rnd.nextBoolean() ? "target-" + rnd.nextInt(100) : "/" + "deep/".repeat(rnd.nextInt(40)) + "t";
            return keep(new Symlink(meta(0777), target));
        }
        if (shape.posix() && k < 45) {
            return keep(new DeviceNode(rnd.nextBoolean() ? FileType.CHAR_DEVICE : FileType.BLOCK_DEVICE, meta(0660),
                    rnd.nextInt(300), rnd.nextInt(70000)));
        }
        if (shape.posix() && k < 47) {
            return keep(new SpecialFile(rnd.nextBoolean() ? FileType.FIFO : FileType.SOCKET, meta(0644)));
        }
        return keep(new RegularFile(meta(rnd.nextBoolean() ? 0644 : 04755 & (rnd.nextBoolean() ? 07777 : 0755)), content()));
    }

    private Node keep(Node n) {
        linkable.add(n);
        return n;
    }

    private GeneratedContent content() {
        long seed = rnd.nextLong();
        int k = rnd.nextInt(10);
        long max = shape.maxFileSize();
        if (k < 2) {
            return GeneratedContent.dense(seed, 0);
        }
        if (k < 6) {
            return GeneratedContent.dense(seed, 1 + rnd.nextInt(200));
        }
        long size = 1 + (long) (rnd.nextDouble() * max);
        if (k < 8 || !shape.posix()) {
            return GeneratedContent.dense(seed, size);
        }
        // Sparse: a few data runs with holes between them.
        List<DataRange> ranges = new ArrayList<>();
        long pos = rnd.nextInt(3) == 0 ? 0 : 4096L * rnd.nextInt(20);
        while (pos < size) {
            long len = Math.min(size - pos, 1 + rnd.nextInt(20_000));
            ranges.add(new DataRange(pos, len));
            pos += len + 4096L * (1 + rnd.nextInt(16));
        }
        return new GeneratedContent(seed, size, ranges);
    }

    private String name() {
        int k = rnd.nextInt(10);
        String base = WORDS[rnd.nextInt(WORDS.length)];
        if (k == 0) {
            // Long names: ext4 allows 255 bytes, FAT 255 UTF-16 units; stay within both.
            StringBuilder sb = new StringBuilder();
            while (sb.toString().getBytes(StandardCharsets.UTF_8).length < 200) {
                sb.append(base);
            }
            return sb.substring(0, Math.min(sb.length(), 120)) + rnd.nextInt(1000);
        }
        return base + "-" + rnd.nextInt(100000);
    }

    private Metadata meta(int perms) {
        // FAT keeps 2-second mtimes from 1980 on; keep generated times inside that.
        long seconds = 315_532_800L + rnd.nextInt(1_500_000_000);
        Timestamp m = new Timestamp(seconds, shape.posix() ? rnd.nextInt(1_000_000_000) : 0);
        Timestamp a = new Timestamp(seconds + rnd.nextInt(1000), shape.posix() ? rnd.nextInt(1_000_000_000) : 0);
        Timestamp c = new Timestamp(seconds + rnd.nextInt(1000), shape.posix() ? rnd.nextInt(1_000_000_000) : 0);
        Xattrs x = Xattrs.NONE;
        if (shape.posix() && rnd.nextInt(8) == 0) {
            x = x.with("user.comment", ("value " + rnd.nextInt()).getBytes(StandardCharsets.UTF_8));
            if (rnd.nextBoolean()) {
                // A file capability (VFS_CAP_REVISION_2, cap_net_raw effective+permitted).
                x = x.with("security.capability", new byte[] {1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
            }
        }
        int uid = shape.posix() ? rnd.nextInt(3) * 1000 : 0;
        return new Metadata(perms, uid, uid, m, a, c, x);
    }
}
