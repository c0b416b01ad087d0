package walt.vpn.fat;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import walt.vpn.disk.Storage;
import walt.vpn.tree.Content;
import walt.vpn.tree.Directory;
import walt.vpn.tree.FileName;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.FilesystemSummary;
import walt.vpn.tree.InvalidDataException;
import walt.vpn.tree.Metadata;
import walt.vpn.tree.ReadableFilesystem;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.Timestamp;
import walt.vpn.tree.Xattrs;

/**
 * A FAT32, FAT16 or FAT12 volume: read as a file tree, or edited in place (add, replace and delete
 * files, make directories). Changes to the FAT and FSInfo are held until {@link #flush()}
 * (also done by {@link #close()}); closing does not close the storage, which the caller owns,
 * and nothing here forces it to disk: that is the owner's choice (a sync of a fresh card-image
 * copy costs more than the copy).
 */
public final class FatVolume implements ReadableFilesystem, Closeable {

    private static final int IO_CHUNK = 1 << 20;

    private final Storage storage;
    private final BootSector bs;
    private final FatTable table;
    private boolean dirty;

    private FatVolume(Storage storage, BootSector bs, FatTable table) {
        this.storage = storage;
        this.bs = bs;
        this.table = table;
    }

    public static FatVolume open(Storage s) throws IOException {
        try {
            if (s.size() < 512) {
                throw new InvalidDataException("not a FAT filesystem: only " + s.size() + " bytes");
            }
            BootSector bs = BootSector.parse(s.readBytes(0, 512), s.size());
            return new FatVolume(s, bs, FatTable.read(s, bs));
        } catch (RuntimeException | EOFException e) {
            throw new InvalidDataException("corrupt FAT filesystem: " + e.getMessage(), e);
        }
    }

    public BootSector bootSector() {
        return bs;
    }

    @Override
    public FilesystemSummary summary() throws IOException {
        String label = bs.label();
        try {
            // Like blkid, prefer the root directory's label entry: it is what tools change.
            DirectorySlots root = rootSlots();
            root.items();
            if (root.label() != null) {
                label = new String(root.label().name(), java.nio.charset.StandardCharsets.ISO_8859_1).stripTrailing();
            }
        } catch (RuntimeException | EOFException e) {
            throw new InvalidDataException("corrupt FAT filesystem: " + e.getMessage(), e);
        }
        if (label.equals(BootSector.NO_LABEL)) {
            label = "";
        }
        long free = table.freeCount();
        long cb = bs.clusterBytes();
        String uuid = String.format("%04X-%04X", bs.volumeId() >>> 16, bs.volumeId() & 0xFFFF);
        return new FilesystemSummary(bs.type().id(), label, uuid, bs.sizeBytes(), (bs.clusterCount() - free) * cb,
                free * cb, (int) cb, 0, 0, List.of());
    }

    private DirectorySlots rootSlots() throws IOException {
        return DirectorySlots.root(storage, bs, table);
    }

    @Override
    public FileTree readTree() throws IOException {
        try {
            return readTreeUnchecked();
        } catch (RuntimeException | EOFException e) {
            throw new InvalidDataException("corrupt FAT filesystem: " + e.getMessage(), e);
        }
    }

    private FileTree readTreeUnchecked() throws IOException {
        DirectorySlots rootSlots = rootSlots();
        List<DirectorySlots.Item> rootItems = rootSlots.items();
        Timestamp rootTime = rootSlots.label() != null ? rootSlots.label().modified()
                : Timestamp.ofSeconds(DirectoryEntry.FAT_EPOCH);
        Directory root = new Directory(Metadata.of(0755, rootTime));
        record Pending(Directory dir, String path, List<DirectorySlots.Item> items) {
        }
        Set<Long> seenDirs = new HashSet<>();
        if (bs.type() == FatType.FAT32) {
            seenDirs.add(bs.rootCluster());
        }
        Deque<Pending> work = new ArrayDeque<>();
        work.push(new Pending(root, "", rootItems));
        while (!work.isEmpty()) {
            Pending p = work.pop();
            for (DirectorySlots.Item it : p.items()) {
                String childPath = p.path() + "/" + it.name();
                try {
                    FileName.check(it.name());
                } catch (IllegalArgumentException e) {
                    throw new InvalidDataException("bad name in FAT directory " + (p.path().isEmpty() ? "/" : p.path())
                            + ": " + e.getMessage());
                }
                if (p.dir().child(it.name()) != null) {
                    throw new InvalidDataException("FAT directory " + (p.path().isEmpty() ? "/" : p.path())
                            + " names " + it.name() + " twice");
                }
                DirectoryEntry e = it.entry();
                Metadata m = new Metadata(e.isDirectory() ? 0755 : e.isReadOnly() ? 0444 : 0644, 0, 0,
                        e.modified(), e.accessed(), e.created(), Xattrs.NONE);
                if (e.isDirectory()) {
                    long c = e.firstCluster();
                    if (!table.isValidCluster(c)) {
                        throw new InvalidDataException("directory " + childPath + ": first cluster " + c + " outside the volume");
                    }
                    if (!seenDirs.add(c)) {
                        throw new InvalidDataException("directory loop: " + childPath + " reuses cluster " + c);
                    }
                    Directory d = new Directory(m);
                    p.dir().put(it.name(), d);
                    work.push(new Pending(d, childPath, DirectorySlots.of(storage, bs, table, childPath, c).items()));
                } else {
                    long c = e.firstCluster();
                    if (e.size() > 0 && !table.isValidCluster(c)) {
                        throw new InvalidDataException(childPath + ": first cluster " + c + " outside the volume");
                    }
                    p.dir().put(it.name(), new RegularFile(m, new ChainContent(storage, bs, table, c, e.size(), childPath)));
                }
            }
        }
        return new FileTree(root);
    }

    // ---- editing

    /** Adds or replaces a file, creating missing parent directories (with {@code mtime}). */
    public void writeFile(String path, Content content, Timestamp mtime) throws IOException {
        guarded(() -> writeFileUnchecked(path, content, mtime));
    }

    private void writeFileUnchecked(String path, Content content, Timestamp mtime) throws IOException {
        String[] parts = FileTree.split(path);
        if (parts.length == 0) {
            throw new IllegalArgumentException("cannot write the root directory as a file");
        }
        String name = parts[parts.length - 1];
        checkName(name, path);
        long size = content.size();
        if (size > 0xFFFFFFFFL) {
            throw new InvalidDataException("file too large for FAT (4 GiB - 1 at most): " + path);
        }
        Parent parent = directory(parts, parts.length - 1, mtime, true, path);
        DirectorySlots.Item old = parent.slots.find(name);
        if (old != null) {
            if (old.entry().isDirectory()) {
                throw new InvalidDataException("is a directory: " + path);
            }
            if (old.entry().firstCluster() != 0) {
                table.free(table.chain(old.entry().firstCluster(), path));
            }
            parent.slots.delete(old);
            dirty = true;
        }
        long count = (size + bs.clusterBytes() - 1) / bs.clusterBytes();
        List<Long> clusters = table.allocate(count, path);
        dirty = true;
        try {
            writeContent(clusters, content, path);
        } catch (IOException | RuntimeException e) {
            table.free(clusters);
            throw e;
        }
        ShortName sn = ShortName.forName(name, parent.slots.shortNames(), new HashMap<>());
        try {
            parent.slots.add(name, sn, DirectoryEntry.of(sn.bytes(), DirectoryEntry.ATTR_ARCHIVE, sn.caseFlags(),
                    clusters.isEmpty() ? 0 : clusters.get(0), size, mtime, mtime, mtime));
        } catch (IOException e) {
            // No entry names the clusters: give them back rather than leave lost chains.
            table.free(clusters);
            throw e;
        }
    }

    /** Like {@code mkdir -p}: existing directories are left as they are. */
    public void mkdirs(String path, Timestamp mtime) throws IOException {
        String[] parts = FileTree.split(path);
        guarded(() -> directory(parts, parts.length, mtime, true, path));
    }

    /** Deletes a file, or a directory with everything in it. */
    public void delete(String path) throws IOException {
        guarded(() -> deleteUnchecked(path));
    }

    private void deleteUnchecked(String path) throws IOException {
        String[] parts = FileTree.split(path);
        if (parts.length == 0) {
            throw new IllegalArgumentException("cannot delete the root directory");
        }
        Parent parent = directory(parts, parts.length - 1, null, false, path);
        DirectorySlots.Item it = parent == null ? null : parent.slots.find(parts[parts.length - 1]);
        if (it == null) {
            throw new java.nio.file.NoSuchFileException(path);
        }
        List<Long> toFree = new ArrayList<>();
        if (it.entry().isDirectory()) {
            collectTree(it.entry().firstCluster(), path, toFree);
        } else if (it.entry().firstCluster() != 0) {
            toFree.addAll(table.chain(it.entry().firstCluster(), path));
        }
        table.free(toFree);
        parent.slots.delete(it);
        dirty = true;
    }

    private interface Edit {
        void run() throws IOException;
    }

    /** Edits meet corrupt structures too: parsing failures become InvalidDataException. */
    private static void guarded(Edit edit) throws IOException {
        try {
            edit.run();
        } catch (java.nio.channels.NonWritableChannelException e) {
            throw new IOException("the FAT volume's storage is read-only", e);
        } catch (IndexOutOfBoundsException | java.nio.BufferUnderflowException | java.nio.BufferOverflowException e) {
            throw new InvalidDataException("corrupt FAT filesystem: " + e.getMessage(), e);
        }
    }

    /** Every cluster of a directory and all below it, checked for loops. */
    private void collectTree(long first, String path, List<Long> out) throws IOException {
        record Pending(long cluster, String path) {
        }
        Set<Long> seen = new HashSet<>();
        Deque<Pending> work = new ArrayDeque<>();
        work.push(new Pending(first, path));
        while (!work.isEmpty()) {
            Pending w = work.pop();
            if (!seen.add(w.cluster())) {
                throw new InvalidDataException("directory loop at " + w.path());
            }
            out.addAll(table.chain(w.cluster(), w.path()));
            for (DirectorySlots.Item it : DirectorySlots.of(storage, bs, table, w.path(), w.cluster()).items()) {
                String cp = w.path() + "/" + it.name();
                if (it.entry().isDirectory()) {
                    work.push(new Pending(it.entry().firstCluster(), cp));
                } else if (it.entry().firstCluster() != 0) {
                    out.addAll(table.chain(it.entry().firstCluster(), cp));
                }
            }
        }
    }

    private record Parent(DirectorySlots slots, boolean isRoot) {
    }

    /**
     * The directory named by the first {@code depth} parts; created on the way when
     * {@code create} (with {@code mtime}), null when missing otherwise.
     */
    private Parent directory(String[] parts, int depth, Timestamp mtime, boolean create, String fullPath) throws IOException {
        DirectorySlots cur = rootSlots();
        boolean isRoot = true;
        StringBuilder p = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            p.append('/').append(parts[i]);
            DirectorySlots.Item it = cur.find(parts[i]);
            if (it == null) {
                if (!create) {
                    return null;
                }
                checkName(parts[i], fullPath);
                long c = makeDirectory(cur, isRoot, parts[i], mtime);
                cur = DirectorySlots.of(storage, bs, table, p.toString(), c);
            } else if (!it.entry().isDirectory()) {
                throw new InvalidDataException("not a directory: " + p);
            } else {
                cur = DirectorySlots.of(storage, bs, table, p.toString(), it.entry().firstCluster());
            }
            isRoot = false;
        }
        return new Parent(cur, isRoot);
    }

    private long makeDirectory(DirectorySlots parent, boolean parentIsRoot, String name, Timestamp mtime) throws IOException {
        long c = table.allocate(1, name).get(0);
        dirty = true;
        ByteBuffer cluster = ByteBuffer.allocate(bs.clusterBytes()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        DirectoryEntry.of(BootSector.pad(".", 11), DirectoryEntry.ATTR_DIRECTORY, 0, c, 0, mtime, mtime, mtime)
                .write(cluster, 0);
        DirectoryEntry.of(BootSector.pad("..", 11), DirectoryEntry.ATTR_DIRECTORY, 0,
                parent.firstClusterForChildren(parentIsRoot), 0, mtime, mtime, mtime).write(cluster, DirectoryEntry.SIZE);
        storage.write(bs.clusterOffset(c), cluster);
        ShortName sn = ShortName.forName(name, parent.shortNames(), new HashMap<>());
        try {
            parent.add(name, sn, DirectoryEntry.of(sn.bytes(), DirectoryEntry.ATTR_DIRECTORY, sn.caseFlags(), c, 0,
                    mtime, mtime, mtime));
        } catch (IOException e) {
            table.free(List.of(c));
            throw e;
        }
        return c;
    }

    private static void checkName(String name, String path) throws InvalidDataException {
        String why = ShortName.invalidReason(name);
        if (why != null) {
            throw new InvalidDataException("FAT cannot store the name of " + path + ": " + why);
        }
    }

    /** Streams content into its clusters, a run of consecutive clusters per write. */
    private void writeContent(List<Long> clusters, Content content, String path) throws IOException {
        if (clusters.isEmpty()) {
            return;
        }
        int cb = bs.clusterBytes();
        long left = content.size();
        ByteBuffer buf = ByteBuffer.allocate((int) Math.max(cb, Math.min(IO_CHUNK / cb * cb, (long) clusters.size() * cb)));
        try (SeekableByteChannel ch = content.open()) {
            int i = 0;
            while (i < clusters.size()) {
                int runLen = 1;
                int maxRun = buf.capacity() / cb;
                while (i + runLen < clusters.size() && runLen < maxRun && clusters.get(i + runLen) == clusters.get(i) + runLen) {
                    runLen++;
                }
                buf.clear().limit(runLen * cb);
                while (buf.hasRemaining() && left > 0) {
                    int lim = buf.limit();
                    buf.limit((int) Math.min(lim, buf.position() + left));
                    int n = ch.read(buf);
                    buf.limit(lim);
                    if (n < 0) {
                        throw new IOException("content of " + path + " ended early");
                    }
                    left -= n;
                }
                while (buf.hasRemaining()) {
                    buf.put((byte) 0);
                }
                buf.flip();
                storage.write(bs.clusterOffset(clusters.get(i)), buf);
                i += runLen;
            }
        }
    }

    /**
     * Writes the FAT to every copy and, on FAT32, the FSInfo free count and next-free hint,
     * into the storage (not forced to disk).
     */
    public void flush() throws IOException {
        if (dirty) {
            guarded(this::flushUnchecked);
        }
    }

    private void flushUnchecked() throws IOException {
        table.write(storage, bs);
        if (bs.type() == FatType.FAT32) {
            long free = table.freeCount();
            long next = table.nextFree(2);
            FsInfo info = new FsInfo(free, next < 0 ? FsInfo.UNKNOWN : next);
            for (int sector : new int[] {bs.fsInfoSector(), bs.backupBootSector() == 0 || bs.backupBootSector() == 0xFFFF
                    ? 0 : bs.backupBootSector() + 1}) {
                if (sector == 0 || sector >= bs.reservedSectors()) {
                    continue;
                }
                long off = (long) sector * bs.bytesPerSector();
                byte[] old = storage.readBytes(off, bs.bytesPerSector());
                if (FsInfo.isFsInfo(old)) {
                    byte[] updated = info.toBytes(bs.bytesPerSector());
                    // Keep whatever else the sector holds; only the two counters change.
                    System.arraycopy(updated, 488, old, 488, 8);
                    storage.write(off, ByteBuffer.wrap(old));
                }
            }
        }
        dirty = false;
    }

    @Override
    public void close() throws IOException {
        flush();
    }
}
