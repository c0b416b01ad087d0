package walt.vpn.image.boot;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import walt.vpn.tree.DeviceNode;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.FileType;
import walt.vpn.tree.InvalidDataException;
import walt.vpn.tree.Node;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.Symlink;

/**
 * A tree as a cpio archive in the "newc" format, the one the Linux kernel unpacks as an
 * initramfs. The output depends on the tree only: entries in path order, inode numbers counted
 * from 1 in that order, times as the tree has them.
 *
 * <p>Hard links are written as separate files: the kernel's unpacker links entries only when
 * their data comes with the last of them, and an initramfs is small enough not to care.
 */
public final class CpioNewcWriter {

    private static final String MAGIC = "070701";
    private static final String TRAILER = "TRAILER!!!";

    private CpioNewcWriter() {
    }

    public static void write(FileTree tree, OutputStream out) throws IOException {
        List<Map.Entry<String, Node>> entries = new ArrayList<>();
        tree.walk((path, node) -> {
            if (!path.equals("/")) {
                entries.add(Map.entry(path.substring(1), node));
            }
        });
        long ino = 1;
        for (Map.Entry<String, Node> e : entries) {
            writeEntry(out, e.getKey(), e.getValue(), ino++);
        }
        writeHeader(out, TRAILER, 0, 0, 0, 0, 1, 0, 0, 0, 0);
    }

    private static void writeEntry(OutputStream out, String name, Node node, long ino) throws IOException {
        var m = node.metadata();
        int mode = node.type().formatBits() | m.permissions();
        long mtime = Math.max(0, m.mtime().seconds());
        if (node instanceof RegularFile f) {
            long size = f.content().size();
            if (size > 0xFFFFFFFFL) {
                throw new InvalidDataException(name + ": " + size + " bytes is too large for a cpio archive");
            }
            writeHeader(out, name, ino, mode, m.uid(), m.gid(), 1, mtime, size, 0, 0);
            try (InputStream in = Channels.newInputStream(f.content().open())) {
                long copied = in.transferTo(new BoundedOutput(out, size));
                if (copied != size) {
                    throw new InvalidDataException(name + ": content is " + copied + " bytes, expected " + size);
                }
            }
            pad(out, size);
        } else if (node instanceof Symlink s) {
            byte[] target = s.target().getBytes(StandardCharsets.UTF_8);
            writeHeader(out, name, ino, mode, m.uid(), m.gid(), 1, mtime, target.length, 0, 0);
            out.write(target);
            pad(out, target.length);
        } else if (node instanceof DeviceNode d) {
            writeHeader(out, name, ino, mode, m.uid(), m.gid(), 1, mtime, 0, d.major(), d.minor());
        } else {
            // Directories count "." and the parent's entry; the kernel does not check nlink.
            writeHeader(out, name, ino, mode, m.uid(), m.gid(), node.type() == FileType.DIRECTORY ? 2 : 1, mtime, 0, 0, 0);
        }
    }

    private static void writeHeader(OutputStream out, String name, long ino, int mode, int uid, int gid, int nlink,
            long mtime, long size, int rdevMajor, int rdevMinor) throws IOException {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        StringBuilder h = new StringBuilder(110).append(MAGIC);
        for (long v : new long[] {ino, mode, uid, gid, nlink, mtime, size, 0, 0, rdevMajor, rdevMinor, n.length + 1, 0}) {
            h.append(String.format("%08X", v & 0xFFFFFFFFL));
        }
        out.write(h.toString().getBytes(StandardCharsets.US_ASCII));
        out.write(n);
        out.write(0);
        pad(out, 110 + n.length + 1);
    }

    /** newc aligns every header and every file's data to 4 bytes. */
    private static void pad(OutputStream out, long written) throws IOException {
        int extra = (int) ((4 - written % 4) % 4);
        out.write(new byte[extra]);
    }

    /** Stops a content that grew since it was listed from overrunning its header's size. */
    private static final class BoundedOutput extends OutputStream {
        private final OutputStream out;
        private long left;

        BoundedOutput(OutputStream out, long limit) {
            this.out = out;
            this.left = limit;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            int n = (int) Math.min(len, left);
            out.write(b, off, n);
            left -= n;
        }
    }
}
