package walt.vpn.tree;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveStructSparse;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * Reads a tar archive (ustar, GNU, PAX) into a {@link FileTree} without loading file data:
 * each regular file's content is a window of the archive at the entry's data offset, read when
 * a writer needs it. {@link #open} keeps the archive open for that until {@link #close};
 * {@link #read} reopens the path for each content instead.
 *
 * <p>Tar semantics are followed where tar itself would: later entries replace earlier ones at
 * the same path (a directory entry after its contents only updates the directory's metadata);
 * missing parent directories are created 0755, root-owned, with the entry's mtime; leading
 * {@code /} and {@code ./} are stripped; {@code ..} is resolved, and rejected when it would
 * leave the root. The {@code ./} entry sets the root directory's metadata. Hard link entries
 * make the same {@link Node} appear at both paths; a link to a path not seen before is an
 * error. Extended attributes come from {@code SCHILY.xattr.*} PAX records, with binary values
 * kept intact. GNU and PAX sparse members keep their holes ({@link Content#dataRanges()}).
 * POSIX ACLs ({@code SCHILY.acl.access}/{@code .default}, as GNU tar {@code --acls} writes
 * them) become {@code system.posix_acl_*} xattrs; an ACL naming a user or group without a
 * numeric id is left out with a warning, since resolving names would depend on the host.
 *
 * <p>Compressed archives are refused with a clear message, since random access needs the plain
 * tar: {@link #decompress} makes one.
 */
public final class TarImporter implements Closeable {

    private final Path tar;
    private final String where;
    private final Consumer<String> warnings;
    private final FileChannel shared;
    private final TarArchiveSource source;
    private List<Long> dataOffsets;
    private FileTree tree;

    private TarImporter(Path tar, Consumer<String> warnings, FileChannel sharedOrNull) {
        this.tar = tar;
        this.where = tar.getFileName().toString();
        this.warnings = warnings;
        this.shared = sharedOrNull;
        this.source = new TarArchiveSource(tar, sharedOrNull);
    }

    private static void warnOnStderr(String w) {
        System.err.println("warning: " + w);
    }

    /**
     * Opens {@code tar} and reads its tree; the archive stays open, and the tree's contents
     * readable, until {@link #close}. Warnings (ACLs naming users by name only) go to stderr.
     */
    public static TarImporter open(Path tar) throws IOException {
        return open(tar, TarImporter::warnOnStderr);
    }

    public static TarImporter open(Path tar, Consumer<String> warnings) throws IOException {
        checkRegularFile(tar);
        FileChannel ch = FileChannel.open(tar, StandardOpenOption.READ);
        try {
            TarImporter t = new TarImporter(tar, warnings, ch);
            t.tree = t.load();
            return t;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** The tree read from the archive; its file contents read the archive while it is open. */
    public FileTree tree() {
        return tree;
    }

    @Override
    public void close() throws IOException {
        shared.close();
    }

    /**
     * Reads {@code tar} without holding it open: each content read reopens the path, so the
     * archive must stay in place while the tree is used. Warnings go to stderr.
     */
    public static FileTree read(Path tar) throws IOException {
        return read(tar, TarImporter::warnOnStderr);
    }

    public static FileTree read(Path tar, Consumer<String> warnings) throws IOException {
        checkRegularFile(tar);
        return new TarImporter(tar, warnings, null).load();
    }

    private static void checkRegularFile(Path tar) throws IOException {
        // Host trouble (missing file, permissions) is not bad data: let it through as it is.
        if (!Files.isRegularFile(tar)) {
            throw new java.nio.file.NoSuchFileException(tar.toString(), null, "not a regular file");
        }
    }

    private FileTree load() throws IOException {
        TarImporter t = this;
        t.rejectCompressed();
        try {
            return t.readTree();
        } catch (InvalidDataException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // Commons Compress reports corrupt headers as plain IOExceptions or runtime errors.
            String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new InvalidDataException(t.where + ": not a valid tar archive: " + msg.lines().findFirst().orElse(""), e);
        }
    }

    private FileTree readTree() throws IOException {
        long fileSize = Files.size(tar);
        List<TarArchiveEntry> entries = new ArrayList<>();
        dataOffsets = new ArrayList<>();
        List<Map<String, byte[]>> xattrs;
        try (FileChannel ch = FileChannel.open(tar, StandardOpenOption.READ)) {
            TarHeaderScan.Result scan = TarHeaderScan.scan(ch, where);
            xattrs = scan.xattrs();
            if (!scan.hasPax1Sparse()) {
                // Random access: headers are read, data is skipped by seeking.
                try (TarFile tf = new TarFile(new ReadAheadChannel(ch))) {
                    for (TarArchiveEntry e : tf.getEntries()) {
                        entries.add(e);
                        dataOffsets.add(e.getDataOffset());
                    }
                }
            } else {
                // Commons Compress's TarFile misplaces the entry after a PAX 1.0 sparse member
                // (it skips the sparse map twice): read sequentially, noting where data starts.
                // Slower, as the stream reads through the data it skips.
                PositionedStream counted = new PositionedStream(ch);
                try (TarArchiveInputStream in = new TarArchiveInputStream(counted)) {
                    TarArchiveEntry e;
                    while ((e = in.getNextEntry()) != null) {
                        entries.add(e);
                        dataOffsets.add(counted.position);
                    }
                }
            }
        }
        if (entries.isEmpty() && fileSize > 0 && !allZero()) {
            throw new InvalidDataException(where + ": no tar entries found");
        }
        if (xattrs.size() != entries.size()) {
            warnings.accept(where + ": unusual header layout; binary xattr values may be altered");
        }
        FileTree tree = null;
        for (int i = 0; i < entries.size(); i++) {
            TarArchiveEntry e = entries.get(i);
            Metadata m = metadata(e, xattrs.size() == entries.size() ? xattrs.get(i) : null);
            if (tree == null) {
                tree = new FileTree(new Directory(Metadata.of(0755, m.mtime())));
            }
            add(tree, e, dataOffsets.get(i), m, fileSize);
        }
        return tree != null ? tree : FileTree.empty(Timestamp.EPOCH);
    }

    private void add(FileTree tree, TarArchiveEntry e, long dataOffset, Metadata m, long fileSize) throws IOException {
        String path = normalize(e.getName());
        Metadata parents = Metadata.of(0755, m.mtime());
        if (e.isLink()) {
            String target = normalize(e.getLinkName());
            Node n = tree.lookup(target);
            if (n == null || n instanceof Directory) {
                throw new InvalidDataException(where + ": hard link " + e.getName() + " -> " + e.getLinkName()
                        + (n == null ? ": target not in archive before it" : ": target is a directory"));
            }
            put(tree, path, n, parents);
            return;
        }
        if (e.isDirectory()) {
            Node existing = path.equals("/") ? tree.root() : tree.lookup(path);
            if (existing instanceof Directory d) {
                d.setMetadata(m);
            } else {
                put(tree, path, new Directory(m), parents);
            }
            return;
        }
        if (path.equals("/")) {
            throw new InvalidDataException(where + ": entry " + e.getName() + " replaces the root directory with a non-directory");
        }
        Node node;
        if (e.isSymbolicLink()) {
            if (e.getLinkName().isEmpty()) {
                throw new InvalidDataException(where + ": symlink " + e.getName() + " has an empty target");
            }
            node = new Symlink(m, e.getLinkName());
        } else if (e.isCharacterDevice() || e.isBlockDevice()) {
            int major = e.getDevMajor();
            int minor = e.getDevMinor();
            if (major < 0 || major > 0xFFF || minor < 0 || minor > 0xFFFFF) {
                throw new InvalidDataException(where + ": " + e.getName() + ": device number out of range " + major + ":" + minor);
            }
            node = new DeviceNode(e.isCharacterDevice() ? FileType.CHAR_DEVICE : FileType.BLOCK_DEVICE, m, major, minor);
        } else if (e.isFIFO()) {
            node = new SpecialFile(FileType.FIFO, m);
        } else if (e.isFile()) {
            node = new RegularFile(m, content(e, dataOffset, fileSize));
        } else {
            throw new InvalidDataException(where + ": " + e.getName() + ": unsupported tar entry type '" + describeType(e) + "'");
        }
        put(tree, path, node, parents);
    }

    private Content content(TarArchiveEntry e, long offset, long fileSize) throws IOException {
        if (e.isSparse()) {
            List<TarArchiveStructSparse> map = e.getOrderedSparseHeaders();
            long stored = 0;
            List<DataRange> ranges = new ArrayList<>();
            long prevEnd = 0;
            for (TarArchiveStructSparse s : map) {
                if (s.getOffset() < prevEnd || s.getNumbytes() < 0 || s.getOffset() + s.getNumbytes() > e.getRealSize()) {
                    throw new InvalidDataException(where + ": " + e.getName() + ": inconsistent sparse map");
                }
                if (s.getNumbytes() > 0) {
                    ranges.add(new DataRange(s.getOffset(), s.getNumbytes()));
                }
                stored += s.getNumbytes();
                prevEnd = s.getOffset() + s.getNumbytes();
            }
            checkInside(e, offset, stored, fileSize);
            return new TarSparseContent(source, offset, e.getRealSize(), ranges);
        }
        checkInside(e, offset, e.getSize(), fileSize);
        return new TarMemberContent(source, offset, e.getSize());
    }

    private void checkInside(TarArchiveEntry e, long offset, long size, long fileSize) throws InvalidDataException {
        if (offset < 0 || size < 0 || offset + size > fileSize) {
            throw new InvalidDataException(where + ": archive is truncated: " + e.getName() + " needs bytes up to "
                    + (offset + size) + " of " + fileSize);
        }
    }

    private Metadata metadata(TarArchiveEntry e, Map<String, byte[]> rawXattrs) throws InvalidDataException {
        long uid = e.getLongUserId();
        long gid = e.getLongGroupId();
        if (uid < 0 || uid > 0xFFFFFFFFL || gid < 0 || gid > 0xFFFFFFFFL) {
            throw new InvalidDataException(where + ": " + e.getName() + ": owner out of range " + uid + ":" + gid);
        }
        Timestamp mtime = time(e.getLastModifiedTime(), Timestamp.EPOCH);
        Timestamp atime = time(e.getLastAccessTime(), mtime);
        Timestamp ctime = time(e.getStatusChangeTime(), mtime);
        Map<String, byte[]> x = new HashMap<>();
        if (rawXattrs != null) {
            for (Map.Entry<String, byte[]> r : rawXattrs.entrySet()) {
                if (!r.getKey().startsWith("SCHILY.acl.")) {
                    x.put(r.getKey(), r.getValue());
                }
            }
            acl(e, rawXattrs.get("SCHILY.acl.access"), "system.posix_acl_access", x);
            acl(e, rawXattrs.get("SCHILY.acl.default"), "system.posix_acl_default", x);
        } else {
            // Header scan and Commons Compress disagreed on the entries: fall back to its Strings.
            e.getExtraPaxHeaders().forEach((k, v) -> {
                if (k.startsWith("SCHILY.xattr.")) {
                    x.put(k.substring("SCHILY.xattr.".length()), v.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                }
            });
        }
        return new Metadata(e.getMode() & 07777, (int) uid, (int) gid, mtime, atime, ctime, Xattrs.of(x));
    }

    /** GNU tar --acls keeps ACLs as text; the tree keeps them as the kernel's xattr. */
    private void acl(TarArchiveEntry e, byte[] text, String xattr, Map<String, byte[]> x) {
        if (text == null || x.containsKey(xattr)) {
            return;
        }
        try {
            x.put(xattr, PosixAcl.parseText(new String(text, java.nio.charset.StandardCharsets.UTF_8)).toXattr());
        } catch (InvalidDataException ex) {
            warnings.accept(where + ": " + e.getName() + ": ACL left out: " + ex.getMessage());
        }
    }

    private static Timestamp time(FileTime t, Timestamp fallback) {
        return t == null ? fallback : Timestamp.of(t.toInstant());
    }

    private void put(FileTree tree, String path, Node node, Metadata parents) throws InvalidDataException {
        try {
            // A non-directory in the way of a deeper path is replaced, as tar's extraction would.
            String[] parts = FileTree.split(path);
            Directory dir = tree.root();
            for (int i = 0; i < parts.length - 1; i++) {
                Node next = dir.child(parts[i]);
                if (next instanceof Directory d) {
                    dir = d;
                } else {
                    Directory created = new Directory(parents);
                    dir.put(parts[i], created);
                    dir = created;
                }
            }
            dir.put(parts[parts.length - 1], node);
        } catch (IllegalArgumentException ex) {
            throw new InvalidDataException(where + ": bad entry name " + path + ": " + ex.getMessage());
        }
    }

    /** "/a/./b//c/../d" to "/a/b/d"; ".." above the root is an attack, not a typo. */
    String normalize(String name) throws InvalidDataException {
        Deque<String> parts = new ArrayDeque<>();
        for (String p : name.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                if (parts.isEmpty()) {
                    throw new InvalidDataException(where + ": entry '" + name + "' points outside the archive root");
                }
                parts.removeLast();
                continue;
            }
            parts.addLast(p);
        }
        return "/" + String.join("/", parts);
    }

    /** An unbuffered stream over the archive that knows where it is. */
    private static final class PositionedStream extends InputStream {
        private final FileChannel ch;
        private long position;

        PositionedStream(FileChannel ch) {
            this.ch = ch;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            int n = ch.read(ByteBuffer.wrap(b, off, len), position);
            if (n > 0) {
                position += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long to = Math.min(ch.size(), position + Math.max(0, n));
            long skipped = to - position;
            position = to;
            return skipped;
        }

        @Override
        public void close() {
            // The channel belongs to the caller.
        }
    }

    private static String describeType(TarArchiveEntry e) {
        return e.isGNULongNameEntry() ? "L" : e.isGlobalPaxHeader() ? "g" : e.isPaxHeader() ? "x" : "?";
    }

    private void rejectCompressed() throws IOException {
        byte[] magic = new byte[6];
        int n;
        try (InputStream in = Files.newInputStream(tar)) {
            n = in.readNBytes(magic, 0, 6);
        }
        String kind = null;
        if (n >= 2 && (magic[0] & 0xFF) == 0x1F && (magic[1] & 0xFF) == 0x8B) {
            kind = "gzip";
        } else if (n >= 6 && (magic[0] & 0xFF) == 0xFD && magic[1] == '7' && magic[2] == 'z' && magic[3] == 'X' && magic[4] == 'Z') {
            kind = "xz";
        } else if (n >= 4 && (magic[0] & 0xFF) == 0x28 && (magic[1] & 0xFF) == 0xB5 && (magic[2] & 0xFF) == 0x2F && (magic[3] & 0xFF) == 0xFD) {
            kind = "zstd";
        } else if (n >= 3 && magic[0] == 'B' && magic[1] == 'Z' && magic[2] == 'h') {
            kind = "bzip2";
        }
        if (kind != null) {
            throw new InvalidDataException(where + ": " + kind + "-compressed tar; decompress it first (random access needs a plain tar)");
        }
    }

    /**
     * Decompresses a gzip, bzip2, xz or zstd tar into {@code plainTar} (which must not exist) so
     * that {@link #read} can use it; the caller owns that file and keeps it while the tree is
     * used. xz and zstd need their libraries (org.tukaani:xz, zstd-jni) on the class path.
     */
    public static void decompress(Path compressed, Path plainTar) throws IOException {
        String name = compressed.getFileName().toString();
        if (Files.exists(plainTar, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            // Checked first so that the clean-up below never removes someone else's file.
            throw new java.nio.file.FileAlreadyExistsException(plainTar.toString());
        }
        boolean done = false;
        try (InputStream raw = new java.io.BufferedInputStream(Files.newInputStream(compressed), 1 << 16);
             InputStream in = openDecompressor(raw, name);
             java.io.OutputStream out = Files.newOutputStream(plainTar, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            byte[] buf = new byte[1 << 20];
            while (true) {
                int n;
                try {
                    n = in.read(buf);
                } catch (IOException e) {
                    // Errors while decoding are the input's fault; write errors below are the host's.
                    throw new InvalidDataException(name + ": corrupt compressed data: " + e.getMessage(), e);
                }
                if (n < 0) {
                    break;
                }
                out.write(buf, 0, n);
            }
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(plainTar);
            }
        }
    }

    private static InputStream openDecompressor(InputStream raw, String name) throws IOException {
        try {
            return new org.apache.commons.compress.compressors.CompressorStreamFactory().createCompressorInputStream(raw);
        } catch (org.apache.commons.compress.compressors.CompressorException e) {
            throw new InvalidDataException(name + ": not a compressed file this build can read: " + e.getMessage(), e);
        } catch (NoClassDefFoundError e) {
            throw new InvalidDataException(name + ": decompressor library missing (" + e.getMessage() + ")", e);
        }
    }

    private boolean allZero() throws IOException {
        try (FileChannel ch = FileChannel.open(tar, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(512);
            ch.read(b, 0);
            for (int i = 0; i < b.position(); i++) {
                if (b.get(i) != 0) {
                    return false;
                }
            }
            return true;
        }
    }
}
