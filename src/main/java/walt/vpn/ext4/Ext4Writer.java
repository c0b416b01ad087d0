package walt.vpn.ext4;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import walt.vpn.disk.Storage;
import walt.vpn.disk.WriteBehindStorage;
import walt.vpn.tree.Content;
import walt.vpn.tree.DataRange;
import walt.vpn.tree.DeviceNode;
import walt.vpn.tree.Directory;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.InvalidDataException;
import walt.vpn.tree.Metadata;
import walt.vpn.tree.Node;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.Symlink;
import walt.vpn.tree.Timestamp;

/**
 * Writes a {@link FileTree} as a new ext4 filesystem in one forward pass: metadata regions
 * first, then the journal, then every file's data, directory and extent blocks in tree order,
 * so the image is written sequentially and all-zero blocks are never written at all.
 */
public final class Ext4Writer {

    static final int ROOT_INO = 2;
    static final int JOURNAL_INO = 8;
    static final int LOST_FOUND_INO = 11;
    static final int FIRST_INO = 11;
    private static final int EXTRA_ISIZE = 32;
    private static final int XATTR_AREA = Geometry.INODE_SIZE - Inode.GOOD_OLD_SIZE - EXTRA_ISIZE;
    private static final int LOST_FOUND_BLOCKS = 4;
    private static final int METADATA_QUEUE = 16 << 20;
    /**
     * s_log_groups_per_flex: mke2fs's 16 groups per flex group. The writer packs every group's
     * bitmaps and inode table at the start anyway; the kernel's allocator reads it to spread new
     * directories over flex groups.
     */
    private static final int LOG_GROUPS_PER_FLEX = 4;

    private static final Features FEATURES = new Features(
            Features.COMPAT_HAS_JOURNAL | Features.COMPAT_EXT_ATTR | Features.COMPAT_DIR_INDEX,
            Features.INCOMPAT_FILETYPE | Features.INCOMPAT_EXTENTS | Features.INCOMPAT_64BIT | Features.INCOMPAT_FLEX_BG,
            Features.RO_SPARSE_SUPER | Features.RO_LARGE_FILE | Features.RO_HUGE_FILE | Features.RO_DIR_NLINK
                    | Features.RO_EXTRA_ISIZE | Features.RO_METADATA_CSUM);

    private final Ext4Options options;

    public Ext4Writer(Ext4Options options) {
        this.options = options;
    }

    /** Smallest filesystem size in bytes (a multiple of 4 KiB) holding the tree plus the headroom. */
    public long sizeFor(FileTree tree) throws IOException {
        Census c = Census.of(WritePlan.of(tree, ROOT_INO, LOST_FOUND_INO, FIRST_INO + 1), tree.root());
        long content = c.dataBlocks + c.extentBlocks + c.dirBlocks + c.symlinkBlocks + c.xattrBlocks + LOST_FOUND_BLOCKS;
        long headroom = (long) Math.ceil(content * options.headroomFraction()) + options.headroomBytes() / Geometry.BLOCK;
        long inodes = c.inodes + FIRST_INO;
        // At most 32768 inodes fit a group (one bitmap block): many small files need more groups.
        long minGroups = (inodes + 8L * Geometry.BLOCK - 1) / (8L * Geometry.BLOCK);
        long blocks = Math.max(content + headroom + 64, (minGroups - 1) * Geometry.BLOCKS_PER_GROUP + 4096);
        // Metadata and journal depend on the size, which depends on them: iterate to a fixed point.
        for (int i = 0; i < 20; i++) {
            Geometry g = new Geometry(blocks, inodes);
            long journal = options.journal() ? JournalSuperblock.defaultBlocks(blocks) : 0;
            long need = content + headroom + g.metadataBlocks() + g.allBackupBlocks() + journal + 1;
            if (need <= g.blocks) {
                return g.blocks * Geometry.BLOCK;
            }
            blocks = need + need / 64;
        }
        throw new IOException("could not size the filesystem for this tree");
    }

    /** Formats {@code target} (all of it) and writes the tree into it. */
    public void write(FileTree tree, Storage target) throws IOException {
        long requested = target.size() / Geometry.BLOCK;
        if (requested < 64) {
            throw new InvalidDataException("an ext4 filesystem needs at least 256 KiB, not " + target.size() + " bytes");
        }
        Node lostFound = tree.root().child("lost+found");
        if (lostFound != null && !(lostFound instanceof Directory)) {
            // Written anyway, it would stand beside the directory the filesystem needs there.
            throw new InvalidDataException("/lost+found: ext4 keeps a directory of its own there; the tree has another kind of file by that name");
        }
        WritePlan plan = WritePlan.of(tree, ROOT_INO, LOST_FOUND_INO, FIRST_INO + 1);
        Census census = Census.of(plan, tree.root());
        Geometry geo = new Geometry(requested, census.inodes + FIRST_INO);
        if (census.inodes + FIRST_INO > geo.inodesCount()) {
            throw new InvalidDataException("too many files (" + census.inodes + ") for a filesystem of " + target.size() + " bytes");
        }
        // Every write goes out through one queue and one thread: the formatting thread never
        // waits for the kernel, and writers to one file would only contend for its lock.
        try (WriteBehindStorage metadata = new WriteBehindStorage(target, METADATA_QUEUE)) {
            new Pass(tree, plan, metadata, geo).run();
            metadata.drain();
        }
    }

    /** What a tree needs, counted before anything is written. */
    private static final class Census {
        long inodes;
        long dataBlocks;
        long extentBlocks;
        long dirBlocks;
        long symlinkBlocks;
        long xattrBlocks;

        static Census of(WritePlan plan, Node root) throws IOException {
            Census c = new Census();
            for (WritePlan.Slot s : plan.order()) {
                c.count(s.node, s.node == root);
            }
            return c;
        }

        private void count(Node node, boolean isRoot) throws IOException {
            if (!isRoot) {
                inodes++;
            }
            if (!new XattrLayout(node.metadata().xattrs()).fitsInInode(XATTR_AREA)) {
                xattrBlocks++;
            }
            if (node instanceof RegularFile f) {
                long extents = 0;
                for (DataRange r : f.content().dataRanges()) {
                    long first = r.offset() / Geometry.BLOCK;
                    long last = (r.end() - 1) / Geometry.BLOCK;
                    dataBlocks += last - first + 1;
                    extents += (last - first) / Extent.MAX_LENGTH + 1;
                }
                // Zero blocks inside ranges may split extents further; group boundaries too.
                extentBlocks += ExtentTreeBuilder.treeBlocksFor(extents * 2 + f.content().size() / (Geometry.BLOCK * Geometry.BLOCKS_PER_GROUP) + 1);
            } else if (node instanceof Directory d) {
                List<Integer> lengths = new ArrayList<>();
                for (String name : d.children().keySet()) {
                    lengths.add(name.getBytes(StandardCharsets.UTF_8).length);
                }
                long b = DirectoryBlocks.blocksFor(lengths);
                if (b > 1) {
                    b += 1 + (b + HtreeDirectory.NODE_LIMIT - 1) / HtreeDirectory.NODE_LIMIT; // index root and nodes
                }
                dirBlocks += b;
                extentBlocks += ExtentTreeBuilder.treeBlocksFor(b);
            } else if (node instanceof Symlink s && s.target().getBytes(StandardCharsets.UTF_8).length >= Inode.I_BLOCK_SIZE) {
                symlinkBlocks += (s.target().getBytes(StandardCharsets.UTF_8).length + Geometry.BLOCK - 1) / Geometry.BLOCK;
            }
        }
    }

    /** One write of one tree: the state that lives only while formatting. */
    private final class Pass {
        private final FileTree tree;
        private final WritePlan plan;
        private final WriteBehindStorage out;
        private final Geometry geo;
        private final BlockAllocator alloc;
        private final byte[] uuid;
        private final int csumSeed;
        private final long[] usedDirs;
        private final InodeTableWriter inodeTables;
        private DataCopier data;
        private long[] blockBitmapAt;
        private long[] inodeBitmapAt;
        private long[] inodeTableAt;
        private final int[] journalBackup = new int[17];
        private final long journalBlocks;
        private final long[] hashSeed = new long[4];
        private final DirectoryHash hasher;

        Pass(FileTree tree, WritePlan plan, WriteBehindStorage out, Geometry geo) {
            this.tree = tree;
            this.plan = plan;
            this.out = out;
            this.geo = geo;
            this.alloc = new BlockAllocator(geo);
            this.uuid = derivedUuid("fs");
            this.csumSeed = Crc32c.update(~0, uuid);
            this.usedDirs = new long[geo.groups];
            this.inodeTables = new InodeTableWriter(out, geo);
            this.journalBlocks = options.journal() ? JournalSuperblock.defaultBlocks(geo.blocks) : 0;
            ByteBuffer hs = ByteBuffer.wrap(derivedUuid("hash")).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 4; i++) {
                hashSeed[i] = hs.getInt(i * 4) & 0xFFFFFFFFL;
            }
            this.hasher = new DirectoryHash(hashSeed);
        }

        void run() throws IOException {
            placeMetadata();
            inodeTables.setTables(inodeTableAt);
            if (journalBlocks > 0) {
                writeJournal(journalBlocks);
            }
            Timestamp now = options.creationTime();
            // Inode 1 (bad blocks) exists with times only, as mke2fs leaves it.
            writeInode(1, new Inode(0, 0, 0, 0, now, now, now, now, 0, 0, 0, 0, new byte[60], 0, 0, EXTRA_ISIZE, new byte[0]));
            writeNodes();
            inodeTables.flush();
            writeBitmapsAndDescriptors();
        }

        private void placeMetadata() throws IOException {
            blockBitmapAt = new long[geo.groups];
            inodeBitmapAt = new long[geo.groups];
            inodeTableAt = new long[geo.groups];
            for (int g = 0; g < geo.groups; g++) {
                blockBitmapAt[g] = allocateRun(1);
            }
            for (int g = 0; g < geo.groups; g++) {
                inodeBitmapAt[g] = allocateRun(1);
            }
            for (int g = 0; g < geo.groups; g++) {
                inodeTableAt[g] = allocateRun(geo.inodeTableBlocks);
            }
        }

        /** A contiguous run, skipping to the next group when this one cannot hold it. */
        private long allocateRun(long n) throws IOException {
            while (alloc.runAvailable() < n) {
                if (alloc.next() + alloc.runAvailable() >= geo.blocks) {
                    throw new InvalidDataException("the filesystem is too small for its own metadata");
                }
                alloc.allocate(alloc.runAvailable()); // the remainder stays allocated but unused: harmless, rare
            }
            return alloc.allocate(n);
        }

        private void writeJournal(long blocks) throws IOException {
            List<Extent> extents = new ArrayList<>();
            long remaining = blocks;
            long logical = 0;
            while (remaining > 0) {
                BlockAllocator.Run got = alloc.allocateUpTo(Math.min(remaining, Extent.MAX_LENGTH));
                long start = got.start();
                long run = got.count();
                extents.add(new Extent(logical, (int) run, start, false));
                logical += run;
                remaining -= run;
            }
            byte[] jsb = new JournalSuperblock(Geometry.BLOCK, blocks, uuid).encode();
            out.write(extents.get(0).physicalBlock() * Geometry.BLOCK, ByteBuffer.wrap(jsb));
            int seed = Inode.inodeSeed(csumSeed, JOURNAL_INO, 0);
            ExtentTreeBuilder.Result tree = ExtentTreeBuilder.build(extents, alloc, out, seed);
            long size = blocks * Geometry.BLOCK;
            Timestamp t = options.creationTime();
            writeInode(JOURNAL_INO, new Inode(0100600, 0, 0, size, t, t, t, t, 0, 1,
                    (blocks + tree.treeBlocks()) * (Geometry.BLOCK / 512), Inode.FLAG_EXTENTS, tree.iBlock(), 0, 0, EXTRA_ISIZE, new byte[0]));
            // The superblock keeps a copy of the journal inode's block map, for e2fsck to rebuild it.
            ByteBuffer ib = ByteBuffer.wrap(tree.iBlock()).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 15; i++) {
                journalBackup[i] = ib.getInt(i * 4);
            }
            journalBackup[15] = (int) (size >>> 32);
            journalBackup[16] = (int) size;
        }

        private void writeNodes() throws IOException {
            List<Content> contents = new ArrayList<>(plan.files().size());
            for (RegularFile f : plan.files()) {
                contents.add(f.content());
            }
            try (DataCopier copier = new DataCopier(out, alloc, contents)) {
                data = copier;
                Node lostFound = tree.root().child("lost+found");
                for (WritePlan.Slot slot : plan.order()) {
                    try {
                        writeNode(slot, slot.node == lostFound);
                    } catch (InvalidDataException ex) {
                        throw new InvalidDataException(pathOf(slot.node) + ": " + ex.getMessage(), ex);
                    }
                    if (slot.node == tree.root() && !(lostFound instanceof Directory)) {
                        writeLostFound();
                    }
                }
                copier.finish();
            } finally {
                data = null;
            }
        }

        /** The first path naming {@code node}, looked for only to say where something went wrong. */
        private String pathOf(Node node) {
            String[] found = {null};
            tree.walk((path, n) -> {
                if (n == node && found[0] == null) {
                    found[0] = path;
                }
            });
            return found[0];
        }

        private void writeLostFound() throws IOException {
            Timestamp t = options.creationTime();
            Metadata m = Metadata.of(0700, t);
            writeDirectory(LOST_FOUND_INO, new Directory(m), ROOT_INO, LOST_FOUND_BLOCKS);
        }

        private void writeNode(WritePlan.Slot slot, boolean isLostFound) throws IOException {
            Node node = slot.node;
            if (node instanceof Directory d) {
                writeDirectory(slot.ino, d, slot.parent, isLostFound ? LOST_FOUND_BLOCKS : 0);
            } else if (node instanceof RegularFile f) {
                writeRegular(slot, f);
            } else if (node instanceof Symlink s) {
                writeSymlink(slot, s);
            } else {
                byte[] iBlock = new byte[Inode.I_BLOCK_SIZE];
                if (node instanceof DeviceNode dev) {
                    ByteBuffer b = ByteBuffer.wrap(iBlock).order(ByteOrder.LITTLE_ENDIAN);
                    if (dev.major() < 256 && dev.minor() < 256) {
                        b.putInt(0, dev.major() << 8 | dev.minor());
                    } else {
                        b.putInt(4, (dev.minor() & 0xFF) | (dev.major() << 8) | ((dev.minor() & ~0xFF) << 12));
                    }
                }
                finishInode(slot, 0, 0, 0, iBlock);
            }
        }

        private void writeRegular(WritePlan.Slot slot, RegularFile f) throws IOException {
            Content c = f.content();
            List<Extent> extents = data.copy(slot.file);
            long dataBlocks = 0;
            for (Extent e : extents) {
                dataBlocks += e.length();
            }
            ExtentTreeBuilder.Result t = ExtentTreeBuilder.build(extents, alloc, out, Inode.inodeSeed(csumSeed, slot.ino, 0));
            finishInode(slot, c.size(), dataBlocks + t.treeBlocks(), Inode.FLAG_EXTENTS, t.iBlock());
        }

        private void writeSymlink(WritePlan.Slot slot, Symlink s) throws IOException {
            byte[] target = s.target().getBytes(StandardCharsets.UTF_8);
            if (target.length > Geometry.BLOCK - 1) {
                throw new InvalidDataException("symlink target longer than " + (Geometry.BLOCK - 1) + " bytes");
            }
            if (target.length < Inode.I_BLOCK_SIZE) {
                // A fast symlink: the target lives in i_block itself.
                finishInode(slot, target.length, 0, 0, java.util.Arrays.copyOf(target, Inode.I_BLOCK_SIZE));
                return;
            }
            long block = alloc.allocate();
            out.write(block * Geometry.BLOCK, ByteBuffer.wrap(java.util.Arrays.copyOf(target, Geometry.BLOCK)));
            List<Extent> ext = List.of(new Extent(0, 1, block, false));
            ExtentTreeBuilder.Result t = ExtentTreeBuilder.build(ext, alloc, out, Inode.inodeSeed(csumSeed, slot.ino, 0));
            finishInode(slot, target.length, 1, Inode.FLAG_EXTENTS, t.iBlock());
        }

        private void writeDirectory(long ino, Directory d, long parent, int minBlocks) throws IOException {
            List<DirectoryEntry> entries = new ArrayList<>();
            for (Map.Entry<String, Node> c : d.children().entrySet()) {
                Node child = c.getValue();
                entries.add(new DirectoryEntry(plan.inoOf(child), 0, c.getKey().getBytes(StandardCharsets.UTF_8),
                        DirectoryEntry.fileType(child.type())));
            }
            if (ino == ROOT_INO && !(d.child("lost+found") instanceof Directory)) {
                entries.add(new DirectoryEntry(LOST_FOUND_INO, 0, "lost+found".getBytes(StandardCharsets.UTF_8), DirectoryEntry.FT_DIR));
            }
            int seed = Inode.inodeSeed(csumSeed, ino, 0);
            DirectoryBlocks linear = new DirectoryBlocks(ino, parent, out::newBlock);
            entries.forEach(linear::add);
            linear.padTo(minBlocks);
            int flags = Inode.FLAG_EXTENTS;
            List<ByteBuffer> list;
            if (linear.blockCount() > 1 && minBlocks == 0 && HtreeDirectory.fits(linear.blockCount())) {
                // More than a block: index it, as the kernel does once a directory outgrows one.
                list = HtreeDirectory.build(ino, parent, entries, hasher, seed, out::newBlock);
                flags |= Inode.FLAG_INDEX;
            } else {
                list = linear.finish(seed);
            }
            List<Extent> extents = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                long b = alloc.allocate();
                out.writeGiven(b * Geometry.BLOCK, list.get(i));
                Extent last = extents.isEmpty() ? null : extents.get(extents.size() - 1);
                if (last != null && last.physicalBlock() + last.length() == b && last.length() < Extent.MAX_LENGTH) {
                    extents.set(extents.size() - 1, new Extent(last.logicalBlock(), last.length() + 1, last.physicalBlock(), false));
                } else {
                    extents.add(new Extent(i, 1, b, false));
                }
            }
            ExtentTreeBuilder.Result t = ExtentTreeBuilder.build(extents, alloc, out, seed);
            usedDirs[(int) ((ino - 1) / geo.inodesPerGroup)]++;
            long subdirs = d.children().values().stream().filter(n -> n instanceof Directory).count();
            if (ino == ROOT_INO && !(d.child("lost+found") instanceof Directory)) {
                subdirs++;
            }
            long links = 2 + subdirs;
            // dir_nlink: a directory with too many subdirectories for a 16-bit count says 1.
            int linkField = links >= 65000 ? 1 : (int) links;
            finishInodeWithLinks(ino, d.metadata(), d.type().formatBits(), (long) list.size() * Geometry.BLOCK,
                    list.size() + t.treeBlocks(), flags, t.iBlock(), linkField);
        }

        private void finishInode(WritePlan.Slot slot, long size, long blocks, int flags, byte[] iBlock) throws IOException {
            finishInodeWithLinks(slot.ino, slot.node.metadata(), slot.node.type().formatBits(), size, blocks, flags, iBlock,
                    slot.names);
        }

        private void finishInodeWithLinks(long ino, Metadata m, int typeBits, long size, long blocks, int flags, byte[] iBlock,
                                          int links) throws IOException {
            if (links > 65000) {
                throw new InvalidDataException("more than 65000 hard links");
            }
            XattrLayout x = new XattrLayout(m.xattrs());
            byte[] area = new byte[0];
            long xattrBlock = 0;
            if (!x.isEmpty()) {
                if (x.fitsInInode(XATTR_AREA)) {
                    area = x.inodeArea(XATTR_AREA);
                } else if (x.fitsInBlock()) {
                    xattrBlock = alloc.allocate();
                    out.write(xattrBlock * Geometry.BLOCK, x.block(xattrBlock, csumSeed, true));
                    blocks++;
                } else {
                    throw new InvalidDataException("extended attributes larger than a 4 KiB block");
                }
            }
            Inode inode = new Inode(typeBits | m.permissions(), m.uid(), m.gid(), size, m.atime(), m.ctime(), m.mtime(),
                    m.ctime(), 0, links, blocks * (Geometry.BLOCK / 512), flags, iBlock, 0, xattrBlock, EXTRA_ISIZE, area);
            writeInode(ino, inode);
        }

        private void writeInode(long ino, Inode inode) throws IOException {
            inodeTables.put(ino, inode.encode(Geometry.INODE_SIZE, csumSeed, ino, true));
        }

        private void writeBitmapsAndDescriptors() throws IOException {
            long blocksPerGroup = Geometry.BLOCKS_PER_GROUP;
            ByteBuffer gdt = ByteBuffer.allocate(geo.gdtBlocks * Geometry.BLOCK).order(ByteOrder.LITTLE_ENDIAN);
            long freeBlocksTotal = 0;
            long freeInodesTotal = 0;
            for (int g = 0; g < geo.groups; g++) {
                byte[] bb = new byte[Geometry.BLOCK];
                long start = geo.groupStart(g);
                long inGroup = geo.blocksInGroup(g);
                long free = 0;
                for (long i = 0; i < blocksPerGroup; i++) {
                    boolean used = i >= inGroup || alloc.inUse(start + i);
                    if (used) {
                        bb[(int) (i >> 3)] |= (byte) (1 << (i & 7));
                    } else {
                        free++;
                    }
                }
                byte[] ib = new byte[Geometry.BLOCK];
                long firstIno = g * geo.inodesPerGroup + 1;
                long usedInodes = Math.max(0, Math.min(geo.inodesPerGroup, plan.lastIno() - firstIno + 1));
                for (long i = 0; i < usedInodes; i++) {
                    ib[(int) (i >> 3)] |= (byte) (1 << (i & 7));
                }
                for (long i = geo.inodesPerGroup; i < 8L * Geometry.BLOCK; i++) {
                    ib[(int) (i >> 3)] |= (byte) (1 << (i & 7));
                }
                out.write(blockBitmapAt[g] * Geometry.BLOCK, ByteBuffer.wrap(bb));
                out.write(inodeBitmapAt[g] * Geometry.BLOCK, ByteBuffer.wrap(ib));
                int bbCsum = GroupDescriptor.bitmapChecksum(csumSeed, bb, blocksPerGroup);
                int ibCsum = GroupDescriptor.bitmapChecksum(csumSeed, ib, geo.inodesPerGroup);
                long freeInodes = geo.inodesPerGroup - usedInodes;
                new GroupDescriptor(blockBitmapAt[g], inodeBitmapAt[g], inodeTableAt[g], free, freeInodes, usedDirs[g],
                        GroupDescriptor.FLAG_ITABLE_ZEROED, freeInodes, bbCsum, ibCsum)
                        .encode(gdt, g * Geometry.DESC_SIZE, Geometry.DESC_SIZE, csumSeed, g);
                freeBlocksTotal += free;
                freeInodesTotal += freeInodes;
            }
            Timestamp t = options.creationTime();
            // Without bigalloc a cluster is a block; mke2fs still fills the cluster fields with the block's values.
            int logBlockSize = Superblock.logSize(Geometry.BLOCK);
            Superblock.Builder fields = Superblock.builder()
                    .inodesCount(geo.inodesCount())
                    .blocksCount(geo.blocks)
                    .freeBlocksCount(freeBlocksTotal)
                    .freeInodesCount(freeInodesTotal)
                    .logBlockSize(logBlockSize)
                    .logClusterSize(logBlockSize)
                    .blocksPerGroup(Geometry.BLOCKS_PER_GROUP)
                    .clustersPerGroup(Geometry.BLOCKS_PER_GROUP)
                    .inodesPerGroup(geo.inodesPerGroup)
                    .writeTime(t.seconds())
                    .state(Superblock.STATE_CLEAN)
                    .lastCheck(t.seconds())
                    .revLevel(Superblock.REV_DYNAMIC)
                    .firstIno(FIRST_INO)
                    .inodeSize(Geometry.INODE_SIZE)
                    .uuid(uuid)
                    .volumeName(options.label())
                    .hashSeed(hashSeed)
                    .defHashVersion(Superblock.HASH_HALF_MD4)
                    .descSize(Geometry.DESC_SIZE)
                    .defaultMountOpts(Superblock.DEFM_XATTR_USER | Superblock.DEFM_ACL)
                    .mkfsTime(t.seconds())
                    .minExtraIsize(EXTRA_ISIZE)
                    .wantExtraIsize(EXTRA_ISIZE)
                    .flags(Superblock.FLAG_SIGNED_HASH)
                    .logGroupsPerFlex(LOG_GROUPS_PER_FLEX)
                    .checksumType(Superblock.CHECKSUM_CRC32C);
            if (journalBlocks > 0) {
                fields.features(FEATURES)
                        .journalInode(JOURNAL_INO)
                        .journalBackupType(Superblock.JNL_BACKUP_BLOCKS)
                        .journalBlocks(journalBackup);
            } else {
                fields.features(new Features(FEATURES.compat() & ~Features.COMPAT_HAS_JOURNAL, FEATURES.incompat(), FEATURES.roCompat()));
            }
            Superblock sb = fields.build();
            for (int g = 0; g < geo.groups; g++) {
                if (!Geometry.hasBackup(g)) {
                    continue;
                }
                long start = geo.groupStart(g);
                byte[] raw = sb.forGroup(g).encode();
                // Group 0's superblock sits 1024 bytes into block 0; backups start their group's first block.
                out.write(g == 0 ? Superblock.OFFSET : start * Geometry.BLOCK, ByteBuffer.wrap(raw));
                gdt.clear();
                out.write((start + 1) * Geometry.BLOCK, gdt);
            }
        }

        private byte[] derivedUuid(String purpose) {
            try {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                md.update(("walt-vpn ext4 " + purpose + " ").getBytes(StandardCharsets.UTF_8));
                md.update(ByteBuffer.allocate(8).putLong(options.seed()).array());
                byte[] u = java.util.Arrays.copyOf(md.digest(), 16);
                u[6] = (byte) ((u[6] & 0x0F) | 0x40); // RFC 4122 version 4 ...
                u[8] = (byte) ((u[8] & 0x3F) | 0x80); // ... variant 1, though derived, not random
                return u;
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
