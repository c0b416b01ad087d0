package walt.vpn.fat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import walt.vpn.disk.BufferPool;
import walt.vpn.disk.Storage;
import walt.vpn.disk.WriteBehindStorage;
import walt.vpn.tree.Directory;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.InvalidDataException;
import walt.vpn.tree.Metadata;
import walt.vpn.tree.Node;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.Timestamp;

/**
 * Formats a storage as FAT32 and writes a file tree into it in one sequential pass: every
 * directory and file gets a contiguous run of clusters, laid out depth-first in the order the
 * data is then streamed (reserved area, both FATs, data region).
 */
public final class FatWriter {

    static final int SECTOR = 512;
    private static final int BUFFER = 512 << 10;
    private static final int BUFFERS = 4;
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(BUFFER).asReadOnlyBuffer();
    private static final long MAX_FILE = 0xFFFFFFFFL;
    /** A directory holds at most 65536 32-byte slots (FAT specification; fsck.fat agrees). */
    private static final int MAX_DIR_SLOTS = 65536;

    private final FatOptions options;

    public FatWriter(FatOptions o) {
        this.options = java.util.Objects.requireNonNull(o);
    }

    /** The cluster size mkfs.fat picks for a FAT32 volume of this many bytes, in sectors. */
    static int sectorsPerCluster(long bytes) {
        long mib = (bytes + (1 << 20) - 1) >> 20;
        return mib > 32 * 1024 ? 64 : mib > 16 * 1024 ? 32 : mib > 8 * 1024 ? 16 : mib > 260 ? 8 : 1;
    }

    /** The smallest FAT size (in sectors) that maps every cluster left beside it. */
    static long fatSectors(long totalSectors, int spc) {
        long avail = totalSectors - BootSector.FAT32_RESERVED_SECTORS;
        long fat = ceilDiv((avail / spc + 2) * 4, SECTOR);
        while (fat > 1) {
            long smaller = fat - 1;
            long clusters = (avail - 2 * smaller) / spc;
            if (ceilDiv((clusters + 2) * 4, SECTOR) > smaller) {
                break;
            }
            fat = smaller;
        }
        return fat;
    }

    static long clustersFor(long totalSectors, int spc) {
        long data = totalSectors - BootSector.FAT32_RESERVED_SECTORS - 2 * fatSectors(totalSectors, spc);
        return data <= 0 ? 0 : data / spc;
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /** Smallest valid FAT32 size holding the tree plus the headroom, a multiple of 512. */
    public long sizeFor(FileTree tree) throws IOException {
        long best = Long.MAX_VALUE;
        // Names and entry counts do not depend on the cluster size: plan once, count per size.
        Plan plan = plan(tree, SECTOR);
        for (int spc : new int[] {1, 8, 16, 32, 64}) {
            long needed = Math.max(BootSector.MIN_FAT32_CLUSTERS,
                    plan.clustersAt(spc * SECTOR) + ceilDiv(options.headroomBytes(), (long) spc * SECTOR));
            long fat = ceilDiv((needed + 2) * 4, SECTOR);
            long total = BootSector.FAT32_RESERVED_SECTORS + 2 * fat + needed * spc;
            if (sectorsPerCluster(total * SECTOR) < spc) {
                // mkfs.fat's rule would pick smaller clusters for this size: grow into the tier.
                total = lowestSectorsOfTier(spc);
            }
            while (clustersFor(total, spc) < needed) {
                total += spc;
            }
            if (sectorsPerCluster(total * SECTOR) != spc || total > 0xFFFFFFFFL) {
                continue;
            }
            best = Math.min(best, total * SECTOR);
        }
        if (best == Long.MAX_VALUE) {
            throw new InvalidDataException("tree too large for a FAT32 volume");
        }
        return best;
    }

    private static long lowestSectorsOfTier(int spc) {
        long mib = switch (spc) {
            case 8 -> 260;
            case 16 -> 8 * 1024;
            case 32 -> 16 * 1024;
            default -> 32 * 1024;
        };
        return (mib << 20) / SECTOR + 1;
    }

    /**
     * Formats all of {@code target} as FAT32 and writes {@code tree} into it. Nothing is forced
     * to disk (as with mkfs.fat + mcopy): callers that need durability flush the storage once
     * the whole image is written.
     */
    public void write(FileTree tree, Storage target) throws IOException {
        long totalSectors = target.size() / SECTOR;
        if (totalSectors > 0xFFFFFFFFL) {
            throw new InvalidDataException("target too large for FAT32: " + target.size() + " bytes");
        }
        int spc = sectorsPerCluster(totalSectors * SECTOR);
        long fat = fatSectors(totalSectors, spc);
        long clusters = clustersFor(totalSectors, spc);
        if (clusters < BootSector.MIN_FAT32_CLUSTERS) {
            throw new InvalidDataException("target of " + target.size() + " bytes too small for FAT32: "
                    + clusters + " clusters, at least " + BootSector.MIN_FAT32_CLUSTERS + " needed");
        }
        if (clusters + 2 > FatTable.MAX_ENTRIES) {
            throw new InvalidDataException("target of " + target.size() + " bytes too large: " + clusters + " clusters");
        }
        int clusterBytes = spc * SECTOR;
        Plan plan = plan(tree, clusterBytes);
        if (plan.clustersUsed > clusters) {
            throw new InvalidDataException("tree needs " + plan.clustersUsed * clusterBytes + " bytes of clusters, the FAT32 volume has "
                    + clusters * clusterBytes);
        }
        String label = options.label();
        BootSector bs = BootSector.fat32(totalSectors, spc, fat, volumeId(options.seed()),
                label == null ? BootSector.NO_LABEL : label);

        FatTable table = new FatTable(FatType.FAT32, clusters, 0xF8);
        for (Item it : plan.items) {
            if (it.clusters() > 0) {
                table.setContiguousChain(it.firstCluster(), it.clusters());
            }
        }
        long free = clusters - plan.clustersUsed;
        FsInfo info = new FsInfo(free, free == 0 ? FsInfo.UNKNOWN : plan.clustersUsed + 2);

        ByteBuffer reserved = ByteBuffer.allocate(BootSector.FAT32_RESERVED_SECTORS * SECTOR);
        byte[] boot = bs.toBytes();
        byte[] fsinfo = info.toBytes(SECTOR);
        reserved.put(0, boot).put(SECTOR, fsinfo);
        reserved.put(BootSector.BACKUP_BOOT_SECTOR * SECTOR, boot).put((BootSector.BACKUP_BOOT_SECTOR + 1) * SECTOR, fsinfo);
        target.write(0, reserved);
        for (int copy = 0; copy < 2; copy++) {
            table.writeFullCopy(target, bs.fatOffset(copy), fat * SECTOR);
        }
        // The data goes out behind the reading: the kernel copies into the image on one core
        // while the next files are read on another.
        try (WriteBehindStorage out = new WriteBehindStorage(target, BUFFER)) {
            new DataStream(out, bs.clusterOffset(2), clusterBytes).writeAll(plan);
            out.drain();
        }
    }

    static long volumeId(long seed) {
        long z = seed + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return (z ^ (z >>> 31)) & 0xFFFFFFFFL;
    }

    // ---- planning: names, sizes and cluster numbers for everything, before any byte is written

    private sealed interface Item permits DirPlan, FilePlan {
        long firstCluster();

        long clusters();
    }

    private static final class DirPlan implements Item {
        final Directory dir;
        final boolean root;
        long parentCluster;
        long slots;
        long first;
        long count;
        final List<Child> children = new ArrayList<>();

        DirPlan(Directory dir, boolean root) {
            this.dir = dir;
            this.root = root;
        }

        @Override
        public long firstCluster() {
            return first;
        }

        @Override
        public long clusters() {
            return count;
        }
    }

    private record FilePlan(String path, RegularFile file, long firstCluster, long clusters) implements Item {
    }

    private static final class Child {
        final String name;
        final ShortName shortName;
        final Node node;
        long firstCluster;

        Child(String name, ShortName shortName, Node node) {
            this.name = name;
            this.shortName = shortName;
            this.node = node;
        }
    }

    private static final class Plan {
        final List<Item> items = new ArrayList<>();
        long clustersUsed;

        /** The clusters this plan would take with another cluster size. */
        long clustersAt(int clusterBytes) {
            long n = 0;
            for (Item it : items) {
                if (it instanceof DirPlan d) {
                    n += Math.max(1, ceilDiv(d.slots * DirectoryEntry.SIZE, clusterBytes));
                } else {
                    n += ceilDiv(((FilePlan) it).file().content().size(), clusterBytes);
                }
            }
            return n;
        }
    }

    private Plan plan(FileTree tree, int clusterBytes) throws InvalidDataException {
        Plan plan = new Plan();
        planDir(plan, new DirPlan(tree.root(), true), "", clusterBytes);
        return plan;
    }

    private void planDir(Plan plan, DirPlan d, String path, int clusterBytes) throws InvalidDataException {
        Set<String> taken = new HashSet<>();
        Set<String> folded = new HashSet<>();
        Map<String, Integer> tails = new HashMap<>();
        long slots = d.root ? (options.label() != null ? 1 : 0) : 2;
        for (Map.Entry<String, Node> e : d.dir.children().entrySet()) {
            String name = e.getKey();
            String childPath = path + "/" + name;
            Node n = e.getValue();
            if (!(n instanceof Directory) && !(n instanceof RegularFile)) {
                throw new InvalidDataException("FAT cannot store " + n.type().name().toLowerCase(java.util.Locale.ROOT)
                        .replace('_', ' ') + " " + childPath);
            }
            String why = ShortName.invalidReason(name);
            if (why != null) {
                throw new InvalidDataException("FAT cannot store the name of " + childPath + ": " + why);
            }
            if (!folded.add(ShortName.foldCase(name))) {
                throw new InvalidDataException("FAT names ignore case: " + childPath + " clashes with a sibling");
            }
            if (n instanceof RegularFile f && f.content().size() > MAX_FILE) {
                throw new InvalidDataException("file too large for FAT (4 GiB - 1 at most): " + childPath);
            }
            ShortName sn = ShortName.forName(name, taken, tails);
            taken.add(sn.key());
            d.children.add(new Child(name, sn, n));
            slots += 1 + (sn.needsLongName() ? LongNameEntry.slotsFor(name) : 0);
        }
        if (slots > MAX_DIR_SLOTS) {
            throw new InvalidDataException("directory " + (path.isEmpty() ? "/" : path) + " has too many entries for FAT ("
                    + slots + " slots, 65536 at most)");
        }
        d.slots = slots;
        d.first = plan.clustersUsed + 2;
        d.count = Math.max(1, ceilDiv(slots * DirectoryEntry.SIZE, clusterBytes));
        plan.clustersUsed += d.count;
        plan.items.add(d);
        for (Child c : d.children) {
            if (c.node instanceof Directory sub) {
                DirPlan sp = new DirPlan(sub, false);
                sp.parentCluster = d.root ? 0 : d.first;
                planDir(plan, sp, path + "/" + c.name, clusterBytes);
                c.firstCluster = sp.first;
            } else {
                RegularFile f = (RegularFile) c.node;
                long count = ceilDiv(f.content().size(), clusterBytes);
                c.firstCluster = count == 0 ? 0 : plan.clustersUsed + 2;
                plan.items.add(new FilePlan(path + "/" + c.name, f, c.firstCluster, count));
                plan.clustersUsed += count;
            }
        }
    }

    // ---- emission: the data region, front to back

    private final class DataStream {
        private final WriteBehindStorage target;
        private final int clusterBytes;
        // Filled here while the others are written; direct, so that file-to-image copies skip
        // the JDK's temporary direct buffer.
        private final BufferPool buffers = new BufferPool(BUFFERS,
                () -> ByteBuffer.allocateDirect(BUFFER).order(ByteOrder.LITTLE_ENDIAN));
        private ByteBuffer buf = buffers.poll();
        private long bufStart;

        DataStream(WriteBehindStorage target, long dataStart, int clusterBytes) {
            this.target = target;
            this.bufStart = dataStart;
            this.clusterBytes = clusterBytes;
        }

        void writeAll(Plan plan) throws IOException {
            for (Item it : plan.items) {
                if (it instanceof DirPlan d) {
                    put(directoryBytes(d));
                } else {
                    FilePlan f = (FilePlan) it;
                    copy(f);
                }
            }
            drain();
        }

        private byte[] directoryBytes(DirPlan d) {
            ByteBuffer b = ByteBuffer.allocate((int) (d.count * clusterBytes)).order(ByteOrder.LITTLE_ENDIAN);
            int off = 0;
            Metadata dm = d.dir.metadata();
            if (d.root) {
                if (options.label() != null) {
                    Timestamp t = options.creationTime();
                    DirectoryEntry.of(BootSector.pad(options.label(), 11), DirectoryEntry.ATTR_VOLUME_ID, 0, 0, 0, t, t, t)
                            .write(b, off);
                    off += DirectoryEntry.SIZE;
                }
            } else {
                DirectoryEntry.of(BootSector.pad(".", 11), DirectoryEntry.ATTR_DIRECTORY, 0, d.first, 0,
                        dm.mtime(), dm.atime(), dm.ctime()).write(b, off);
                DirectoryEntry.of(BootSector.pad("..", 11), DirectoryEntry.ATTR_DIRECTORY, 0, d.parentCluster, 0,
                        dm.mtime(), dm.atime(), dm.ctime()).write(b, off + DirectoryEntry.SIZE);
                off += 2 * DirectoryEntry.SIZE;
            }
            for (Child c : d.children) {
                byte[] sn = c.shortName.bytes();
                if (c.shortName.needsLongName()) {
                    for (LongNameEntry l : LongNameEntry.forName(c.name, LongNameEntry.checksum(sn))) {
                        l.write(b, off);
                        off += DirectoryEntry.SIZE;
                    }
                }
                Metadata m = c.node.metadata();
                int attr;
                long size;
                if (c.node instanceof Directory) {
                    attr = DirectoryEntry.ATTR_DIRECTORY;
                    size = 0;
                } else {
                    attr = DirectoryEntry.ATTR_ARCHIVE | ((m.permissions() & 0222) == 0 ? DirectoryEntry.ATTR_READ_ONLY : 0);
                    size = ((RegularFile) c.node).content().size();
                }
                DirectoryEntry.of(sn, attr, c.shortName.caseFlags(), c.firstCluster, size, m.mtime(), m.atime(), m.ctime())
                        .write(b, off);
                off += DirectoryEntry.SIZE;
            }
            return b.array();
        }

        private void put(byte[] bytes) throws IOException {
            int off = 0;
            while (off < bytes.length) {
                if (!buf.hasRemaining()) {
                    drain();
                }
                int n = Math.min(buf.remaining(), bytes.length - off);
                buf.put(bytes, off, n);
                off += n;
            }
        }

        private void copy(FilePlan f) throws IOException {
            long size = f.file().content().size();
            if (size == 0) {
                return;
            }
            long left = size;
            try (SeekableByteChannel ch = f.file().content().open()) {
                while (left > 0) {
                    if (!buf.hasRemaining()) {
                        drain();
                    }
                    int want = (int) Math.min(buf.remaining(), left);
                    int lim = buf.limit();
                    buf.limit(buf.position() + want);
                    int n = ch.read(buf);
                    buf.limit(lim);
                    if (n < 0) {
                        throw new IOException("content of " + f.path() + " ended after " + (size - left)
                                + " of its " + size + " bytes");
                    }
                    left -= n;
                }
            }
            long pad = f.clusters() * clusterBytes - size;
            while (pad > 0) {
                if (!buf.hasRemaining()) {
                    drain();
                }
                int n = (int) Math.min(buf.remaining(), pad);
                buf.put(ZEROS.duplicate().limit(n));
                pad -= n;
            }
        }

        /** Hands the filled buffer to the writer thread and goes on with a free one. */
        private void drain() throws IOException {
            ByteBuffer full = buf.flip();
            int n = full.remaining();
            if (n > 0) {
                target.writeOwned(bufStart, full, () -> buffers.release(full));
                bufStart += n;
                buf = buffers.take();
            } else {
                full.clear();
            }
        }
    }
}
