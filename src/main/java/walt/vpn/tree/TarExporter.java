package walt.vpn.tree;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link FileTree} as a POSIX.1-2001 (PAX) tar archive.
 *
 * <p>Every entry gets a PAX extended header carrying what ustar cannot: nanosecond mtime,
 * atime and ctime, long or non-ASCII names and link targets, uids/gids beyond 2097151, sizes
 * beyond 8 GiB, and extended attributes as {@code SCHILY.xattr.NAME} with the raw value bytes
 * (as GNU tar {@code --xattrs} writes them); POSIX ACL xattrs are also written as
 * {@code SCHILY.acl.access}/{@code .default} text for GNU tar {@code --acls}. Entries follow {@link FileTree#walk} order and the
 * root is written as {@code ./}, so the same tree always gives the same bytes. The second and
 * later paths of a hard-linked node become link entries naming the first path. Content is
 * streamed through a fixed buffer. Files with at least 4 KiB of holes (by
 * {@link Content#dataRanges()}) are written in GNU's PAX sparse format 1.0, which GNU tar,
 * bsdtar and Commons Compress read; their holes take no space in the archive. Sparse files
 * over 2 GiB are written whole (Commons Compress cannot read bigger PAX sparse members).
 *
 * <p>Sockets cannot be represented in tar: they are left out with a warning (on stderr unless
 * the caller takes the warnings) and returned as a list, since a socket is recreated by the
 * program that listens on it and losing it is harmless.
 */
public final class TarExporter {

    private static final int BLOCK = 512;
    private static final long MAX_OCTAL_8 = 07777777L;
    private static final long MAX_OCTAL_12 = 077777777777L;

    private final OutputStream out;
    private final byte[] buffer = new byte[1 << 20];
    private final List<String> skipped = new ArrayList<>();
    private long written;

    private TarExporter(OutputStream out) {
        // Headers are 512-byte writes: batch them rather than make a system call each.
        this.out = new BufferedOutputStream(out, 1 << 16);
    }

    /**
     * Writes {@code tree} to {@code out} (flushed, not closed) and returns the paths left out,
     * each also warned about on stderr.
     */
    public static List<String> write(FileTree tree, OutputStream out) throws IOException {
        return write(tree, out, w -> System.err.println("warning: " + w));
    }

    /** As {@link #write(FileTree, OutputStream)}, telling {@code warnings} what is left out. */
    public static List<String> write(FileTree tree, OutputStream out, java.util.function.Consumer<String> warnings) throws IOException {
        TarExporter e = new TarExporter(out);
        e.writeTree(tree);
        e.out.flush();
        for (String path : e.skipped) {
            warnings.accept(path + ": socket left out of the tar (tar cannot store sockets)");
        }
        return e.skipped();
    }

    public List<String> skipped() {
        return List.copyOf(skipped);
    }

    private void writeTree(FileTree tree) throws IOException {
        Map<Node, String> firstPath = new IdentityHashMap<>();
        List<Map.Entry<String, Node>> entries = new ArrayList<>();
        tree.walk((p, n) -> entries.add(Map.entry(p, n)));
        for (Map.Entry<String, Node> e : entries) {
            String path = e.getKey();
            Node n = e.getValue();
            if (n.type() == FileType.SOCKET) {
                skipped.add(path);
                continue;
            }
            String name = path.equals("/") ? "./" : path.substring(1) + (n instanceof Directory ? "/" : "");
            String linkedTo = n instanceof Directory ? null : firstPath.putIfAbsent(n, name);
            writeEntry(name, n, linkedTo);
        }
        // End of archive: two zero blocks.
        out.write(new byte[2 * BLOCK]);
        written += 2 * BLOCK;
    }

    private void writeEntry(String name, Node n, String hardLinkTarget) throws IOException {
        Metadata m = n.metadata();
        char type;
        String link = "";
        long size = 0;
        List<DataRange> ranges = null;
        byte[] sparseMap = null;
        int major = 0;
        int minor = 0;
        if (hardLinkTarget != null) {
            type = '1';
            link = hardLinkTarget;
        } else if (n instanceof RegularFile f) {
            type = '0';
            size = f.content().size();
            ranges = sparseRanges(f.content());
        } else if (n instanceof Directory) {
            type = '5';
        } else if (n instanceof Symlink s) {
            type = '2';
            link = s.target();
        } else if (n instanceof DeviceNode d) {
            type = d.type() == FileType.CHAR_DEVICE ? '3' : '4';
            major = d.major();
            minor = d.minor();
        } else {
            type = '6';
        }
        long uid = Integer.toUnsignedLong(m.uid());
        long gid = Integer.toUnsignedLong(m.gid());

        PaxRecords pax = new PaxRecords();
        pax.put("atime", paxTime(m.atime()));
        pax.put("ctime", paxTime(m.ctime()));
        pax.put("mtime", paxTime(m.mtime()));
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        byte[] linkBytes = link.getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length > 100 || !isAscii(nameBytes)) {
            pax.put("path", name);
        }
        String headerName = name;
        if (ranges != null) {
            // GNU PAX sparse format 1.0: the real name and size go in GNU.sparse.* records, the
            // header names a placeholder, and the data starts with a decimal map of the runs.
            pax.asMap().remove("path");
            pax.put("GNU.sparse.major", "1");
            pax.put("GNU.sparse.minor", "0");
            pax.put("GNU.sparse.name", name);
            pax.put("GNU.sparse.realsize", Long.toString(size));
            sparseMap = sparseMap(ranges, size);
            long stored = sparseMap.length;
            for (DataRange r : ranges) {
                stored += r.length();
            }
            size = stored;
            int slash = name.lastIndexOf('/');
            headerName = (slash < 0 ? "" : name.substring(0, slash + 1)) + "GNUSparseFile.0/" + name.substring(slash + 1);
            if (headerName.getBytes(StandardCharsets.UTF_8).length > 100) {
                headerName = "GNUSparseFile.0/" + lastComponent(name);
            }
            if (size > MAX_OCTAL_12) {
                pax.put("size", Long.toString(size));
            }
        }
        if (linkBytes.length > 100 || !isAscii(linkBytes)) {
            pax.put("linkpath", link);
        }
        if (uid > MAX_OCTAL_8) {
            pax.put("uid", Long.toString(uid));
        }
        if (gid > MAX_OCTAL_8) {
            pax.put("gid", Long.toString(gid));
        }
        if (size > MAX_OCTAL_12) {
            pax.put("size", Long.toString(size));
        }
        for (String x : m.xattrs().names()) {
            pax.put("SCHILY.xattr." + x, m.xattrs().get(x));
        }
        // Also as text, which is what GNU tar --acls restores ACLs from.
        for (String kind : new String[] {"access", "default"}) {
            byte[] acl = m.xattrs().get("system.posix_acl_" + kind);
            if (acl != null) {
                pax.put("SCHILY.acl." + kind, PosixAcl.fromXattr(acl).toText());
            }
        }
        byte[] paxBody = pax.encode();
        String paxName = "PaxHeaders/" + lastComponent(name);
        writeHeader(paxName, 'x', "", paxBody.length, 0644, 0, 0, m.mtime().seconds(), 0, 0);
        out.write(paxBody);
        written += paxBody.length;
        pad();

        writeHeader(headerName, type, link, size, m.permissions(), uid, gid, m.mtime().seconds(), major, minor);
        if (sparseMap != null) {
            out.write(sparseMap);
            written += sparseMap.length;
            copySparse(name, ((RegularFile) n).content(), ranges);
        } else if (type == '0') {
            copyContent(name, ((RegularFile) n).content());
        }
    }

    private void copyContent(String name, Content content) throws IOException {
        long remaining = content.size();
        ByteBuffer b = ByteBuffer.wrap(buffer);
        try (SeekableByteChannel ch = content.open()) {
            while (remaining > 0) {
                b.clear();
                b.limit((int) Math.min(buffer.length, remaining));
                int r = ch.read(b);
                if (r < 0) {
                    throw new IOException(name + ": content ended " + remaining + " bytes before its size");
                }
                out.write(buffer, 0, r);
                remaining -= r;
                written += r;
            }
        }
        pad();
    }

    /**
     * The data runs of a file worth storing sparse (at least 4 KiB of holes), else null. A
     * file ending in a hole gets a final empty run at its size, as GNU tar writes it, so the
     * reader knows the real end.
     */
    private static List<DataRange> sparseRanges(Content c) throws IOException {
        // GNU tar reads each stored run padded to a 512-byte block, Commons Compress reads them
        // back to back: runs whole blocks long (except one ending the file) suit both.
        List<DataRange> ranges = new ArrayList<>();
        long data = 0;
        for (DataRange r : c.dataRanges()) {
            long start = r.offset() / BLOCK * BLOCK;
            long end = Math.min(c.size(), (r.end() + BLOCK - 1) / BLOCK * BLOCK);
            DataRange last = ranges.isEmpty() ? null : ranges.get(ranges.size() - 1);
            if (last != null && start <= last.end()) {
                data -= last.length();
                ranges.set(ranges.size() - 1, new DataRange(last.offset(), end - last.offset()));
            } else {
                ranges.add(new DataRange(start, end - start));
            }
            data += ranges.get(ranges.size() - 1).length();
        }
        // Readers built on Commons Compress take GNU.sparse.realsize as an int: bigger sparse
        // files are written whole, holes included, so that every reader can read them.
        if (c.size() - data < 4096 || c.size() > Integer.MAX_VALUE) {
            return null;
        }
        return ranges;
    }

    private static byte[] sparseMap(List<DataRange> ranges, long size) {
        StringBuilder sb = new StringBuilder();
        boolean endsInHole = ranges.isEmpty() || ranges.get(ranges.size() - 1).end() < size;
        sb.append(ranges.size() + (endsInHole ? 1 : 0)).append('\n');
        for (DataRange r : ranges) {
            sb.append(r.offset()).append('\n').append(r.length()).append('\n');
        }
        if (endsInHole) {
            sb.append(size).append('\n').append(0).append('\n');
        }
        byte[] text = sb.toString().getBytes(StandardCharsets.US_ASCII);
        return java.util.Arrays.copyOf(text, (text.length + BLOCK - 1) / BLOCK * BLOCK);
    }

    private void copySparse(String name, Content content, List<DataRange> ranges) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(buffer);
        try (SeekableByteChannel ch = content.open()) {
            for (DataRange r : ranges) {
                ch.position(r.offset());
                long remaining = r.length();
                while (remaining > 0) {
                    b.clear();
                    b.limit((int) Math.min(buffer.length, remaining));
                    int n = ch.read(b);
                    if (n < 0) {
                        throw new IOException(name + ": content ended inside its data range at " + r.offset());
                    }
                    out.write(buffer, 0, n);
                    remaining -= n;
                    written += n;
                }
            }
        }
        pad();
    }

    private void pad() throws IOException {
        int rem = (int) (written % BLOCK);
        if (rem != 0) {
            out.write(new byte[BLOCK - rem]);
            written += BLOCK - rem;
        }
    }

    private void writeHeader(String name, char type, String link, long size, int mode, long uid, long gid,
                             long mtime, int major, int minor) throws IOException {
        byte[] h = new byte[BLOCK];
        // Fields that do not fit are truncated or zero here; the PAX header has the real value.
        putString(h, 0, 100, name);
        putOctal(h, 100, 8, mode);
        putOctal(h, 108, 8, uid > MAX_OCTAL_8 ? 0 : uid);
        putOctal(h, 116, 8, gid > MAX_OCTAL_8 ? 0 : gid);
        putOctal(h, 124, 12, size > MAX_OCTAL_12 ? 0 : size);
        putOctal(h, 136, 12, mtime < 0 ? 0 : Math.min(mtime, MAX_OCTAL_12));
        h[156] = (byte) type;
        putString(h, 157, 100, link);
        System.arraycopy("ustar\0".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 6);
        h[263] = '0';
        h[264] = '0';
        putOctal(h, 329, 8, major);
        putOctal(h, 337, 8, minor);
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xFF;
        }
        putOctal(h, 148, 7, sum);
        h[155] = ' ';
        out.write(h);
        written += BLOCK;
    }

    private static void putString(byte[] h, int off, int len, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(b, 0, h, off, Math.min(len, b.length));
    }

    /** {@code len-1} octal digits and a NUL, as GNU tar writes them. */
    private static void putOctal(byte[] h, int off, int len, long value) {
        String s = Long.toOctalString(value);
        String padded = "0".repeat(Math.max(0, len - 1 - s.length())) + s;
        byte[] b = padded.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, off, len - 1);
        h[off + len - 1] = 0;
    }

    static String paxTime(Timestamp t) {
        if (t.nanos() == 0) {
            return Long.toString(t.seconds());
        }
        if (t.seconds() >= 0) {
            return t.seconds() + "." + String.format("%09d", t.nanos());
        }
        // -1.5 s is seconds -2 plus 0.5 s: print the magnitude.
        return "-" + (-(t.seconds() + 1)) + "." + String.format("%09d", 1_000_000_000 - t.nanos());
    }

    private static boolean isAscii(byte[] b) {
        for (byte x : b) {
            if (x < 0x20) {
                return false;
            }
        }
        return true;
    }

    private static String lastComponent(String name) {
        String n = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        String last = n.substring(n.lastIndexOf('/') + 1);
        byte[] b = last.getBytes(StandardCharsets.UTF_8);
        // Only informative; keep it ASCII and short so the x header itself needs no PAX.
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < last.length() && sb.length() < 80; i++) {
            char c = last.charAt(i);
            sb.append(c >= 0x20 && c < 0x7F ? c : '_');
        }
        return b.length == 0 || last.equals(".") ? "root" : sb.toString();
    }
}
