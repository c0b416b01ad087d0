package walt.vpn.ext4;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import walt.vpn.disk.Storage;
import walt.vpn.tree.BytesContent;
import walt.vpn.tree.DeviceNode;
import walt.vpn.tree.Directory;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.FileType;
import walt.vpn.tree.FilesystemSummary;
import walt.vpn.tree.InvalidDataException;
import walt.vpn.tree.Metadata;
import walt.vpn.tree.Node;
import walt.vpn.tree.ReadableFilesystem;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.SpecialFile;
import walt.vpn.tree.Symlink;
import walt.vpn.tree.Xattrs;

/**
 * An ext2, ext3 or ext4 filesystem read from storage. Everything read is checked against the
 * filesystem's own bounds, so a corrupt image gives an {@link InvalidDataException}, not a
 * hang or an exhausted heap.
 */
public final class Ext4Volume implements ReadableFilesystem, java.io.Closeable {

    private static final int ROOT = 2;
    /** Deeper than any real tree; deeper means a loop the visited set did not catch. */
    private static final int MAX_DEPTH = 4096;
    private static final int SECTOR = 512;
    /**
     * Linux's XATTR_SIZE_MAX: no value larger can be set or read through the kernel, whatever
     * ext4's ea_inode could store, so none is taken from an image either.
     */
    private static final long XATTR_VALUE_MAX = 1 << 16;

    private final Storage fs;
    private final Superblock sb;
    private final GroupDescriptor[] groups;
    private final BlockMapper mapper;
    private final int blockSize;
    /** ea_inode values read so far, by value inode. */
    private final Map<Long, byte[]> eaValues = new HashMap<>();
    /** metadata_csum: every inode, extent, directory and xattr block read is checked against its checksum. */
    private final boolean csum;
    private final int csumSeed;

    private Ext4Volume(Storage fs, Superblock sb, GroupDescriptor[] groups) {
        this.fs = fs;
        this.sb = sb;
        this.groups = groups;
        this.blockSize = sb.blockSize();
        this.csum = sb.features().metadataCsum();
        this.csumSeed = csum ? sb.csumSeed() : 0;
        this.mapper = new BlockMapper(fs, blockSize, sb.blocksCount(), csum ? csumSeed : null);
    }

    /**
     * The filesystem in {@code fs}; one that needs recovery is read as it will be once its
     * journal is replayed, the image left untouched.
     */
    public static Ext4Volume open(Storage fs) throws IOException {
        Ext4Volume v = openAsIs(fs);
        if ((v.sb.features().incompat() & Features.INCOMPAT_RECOVER) == 0) {
            return v;
        }
        if ((v.sb.features().compat() & Features.COMPAT_HAS_JOURNAL) == 0) {
            // No journal to replay: e2fsck clears such a flag and changes nothing else.
            return v;
        }
        if (v.sb.journalInode() == 0) {
            throw new InvalidDataException("the filesystem needs recovery from an external journal, which this reader cannot reach: "
                    + JournalReplay.RECOVER_ELSEWHERE);
        }
        Map<Long, ReplayedStorage.Redirect> overlay;
        try {
            Inode journal = v.readInode(v.sb.journalInode());
            overlay = JournalReplay.replay(fs, v.blockSize, v.sb.blocksCount(), v.mapper.map(journal, v.sb.journalInode()));
        } catch (InvalidDataException e) {
            throw new InvalidDataException("the filesystem needs journal recovery; " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new InvalidDataException("the filesystem needs journal recovery; corrupt journal: " + e, e);
        }
        return overlay.isEmpty() ? v : openAsIs(new ReplayedStorage(fs, v.blockSize, overlay));
    }

    private static Ext4Volume openAsIs(Storage fs) throws IOException {
        try {
            if (fs.size() < Superblock.OFFSET + Superblock.SIZE) {
                throw new InvalidDataException("too small for an ext2/3/4 filesystem");
            }
            byte[] superblockRaw = fs.readBytes(Superblock.OFFSET, Superblock.SIZE);
            Superblock sb = Superblock.decode(superblockRaw);
            if ((sb.features().incompat() & Features.INCOMPAT_JOURNAL_DEV) != 0) {
                throw new InvalidDataException("an external ext4 journal device, not a filesystem");
            }
            int unsupported = sb.features().incompat() & ~Features.INCOMPAT_SUPPORTED;
            if (unsupported != 0) {
                throw new InvalidDataException("unsupported ext4 feature: " + new Features(0, unsupported, 0).names());
            }
            if (sb.blocksCount() * sb.blockSize() > fs.size()) {
                throw new InvalidDataException("image truncated: the filesystem has " + sb.blocksCount() * sb.blockSize()
                        + " bytes, the image " + fs.size());
            }
            long groupCount = sb.groupCount();
            if (groupCount > Integer.MAX_VALUE / 2 || groupCount * sb.descSize() > fs.size()) {
                throw new InvalidDataException("absurd group count " + groupCount);
            }
            int n = (int) groupCount;
            byte[] raw = descriptorTable(fs, sb, superblockRaw, n);
            ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
            GroupDescriptor[] groups = new GroupDescriptor[n];
            int seed = sb.features().metadataCsum() ? sb.csumSeed() : 0;
            for (int g = 0; g < n; g++) {
                int off = g * sb.descSize();
                groups[g] = GroupDescriptor.decode(b, off, sb.descSize());
                if (sb.features().metadataCsum()) {
                    int stored = b.getShort(off + 0x1E) & 0xFFFF;
                    if (stored != GroupDescriptor.checksum(b, off, sb.descSize(), seed, g)) {
                        throw new InvalidDataException("group descriptor " + g + " checksum mismatch");
                    }
                }
                long it = groups[g].inodeTable();
                long itBlocks = (sb.inodesPerGroup() * sb.inodeSize() + sb.blockSize() - 1) / sb.blockSize();
                if (it <= 0 || it + itBlocks > sb.blocksCount()) {
                    throw new InvalidDataException("group " + g + ": inode table outside the filesystem");
                }
                if (sb.features().metadataCsum()) {
                    verifyBitmaps(fs, sb, groups[g], g, seed);
                }
            }
            return new Ext4Volume(fs, sb, groups);
        } catch (RuntimeException e) {
            throw new InvalidDataException("corrupt ext4 metadata: " + e, e);
        }
    }

    /**
     * The group descriptors, one after the other. Without meta_bg they follow the superblock;
     * with it, from metagroup {@code s_first_meta_bg} on, each metagroup's block of descriptors
     * is in the metagroup's first group, after that group's superblock copy if it has one (the
     * kernel's descriptor_loc): a filesystem resize2fs grew far, or mke2fs made with meta_bg.
     */
    private static byte[] descriptorTable(Storage fs, Superblock sb, byte[] superblockRaw, int groups) throws IOException {
        int length = Math.multiplyExact(groups, sb.descSize());
        long sbBlock = sb.firstDataBlock();
        if ((sb.features().incompat() & Features.INCOMPAT_META_BG) == 0) {
            return fs.readBytes((sbBlock + 1) * sb.blockSize(), length);
        }
        int perBlock = sb.blockSize() / sb.descSize();
        long firstMetaBg = Superblock.firstMetaBg(superblockRaw);
        byte[] table = new byte[length];
        for (int nr = 0, at = 0; at < length; nr++, at += sb.blockSize()) {
            long block;
            if (nr < firstMetaBg) {
                block = sbBlock + nr + 1;
            } else {
                long group = (long) nr * perBlock;
                int copies = Superblock.hasSuperblockCopy(sb, superblockRaw, group) ? 1 : 0;
                if (sb.blockSize() == 1024 && nr == 0 && sbBlock == 0) {
                    copies++; // 1 KiB blocks with block 0 not the superblock's: it is in block 1
                }
                block = sbBlock + group * sb.blocksPerGroup() + copies;
            }
            if (block <= 0 || block >= sb.blocksCount()) {
                throw new InvalidDataException("meta_bg descriptor block " + nr + " at block " + block + ", outside the filesystem");
            }
            byte[] b = fs.readBytes(block * sb.blockSize(), sb.blockSize());
            System.arraycopy(b, 0, table, at, Math.min(b.length, length - at));
        }
        return table;
    }

    /**
     * The group's bitmaps against their checksums, as the kernel checks them when it loads
     * them: those a flag marks uninitialised are not on disk yet and are skipped. Two blocks a
     * group, read once, at open.
     */
    private static void verifyBitmaps(Storage fs, Superblock sb, GroupDescriptor gd, int g, int seed) throws IOException {
        long bits = sb.bigalloc() ? sb.clustersPerGroup() : sb.blocksPerGroup();
        if ((gd.flags() & GroupDescriptor.FLAG_BLOCK_UNINIT) == 0) {
            byte[] bitmap = bitmapBlock(fs, sb, gd.blockBitmap(), g, "block");
            if (!GroupDescriptor.bitmapChecksumMatches(gd.blockBitmapCsum(), GroupDescriptor.bitmapChecksum(seed, bitmap, bits),
                    sb.descSize(), GroupDescriptor.BLOCK_BITMAP_CSUM_HI_END)) {
                throw new InvalidDataException("group " + g + ": block bitmap (block " + gd.blockBitmap() + "): checksum mismatch");
            }
        }
        if ((gd.flags() & GroupDescriptor.FLAG_INODE_UNINIT) == 0) {
            byte[] bitmap = bitmapBlock(fs, sb, gd.inodeBitmap(), g, "inode");
            if (!GroupDescriptor.bitmapChecksumMatches(gd.inodeBitmapCsum(), GroupDescriptor.bitmapChecksum(seed, bitmap, sb.inodesPerGroup()),
                    sb.descSize(), GroupDescriptor.INODE_BITMAP_CSUM_HI_END)) {
                throw new InvalidDataException("group " + g + ": inode bitmap (block " + gd.inodeBitmap() + "): checksum mismatch");
            }
        }
    }

    private static byte[] bitmapBlock(Storage fs, Superblock sb, long block, int g, String which) throws IOException {
        if (block <= 0 || block >= sb.blocksCount()) {
            throw new InvalidDataException("group " + g + ": " + which + " bitmap at block " + block + ", outside the filesystem");
        }
        return fs.readBytes(block * sb.blockSize(), sb.blockSize());
    }

    public Superblock superblock() {
        return sb;
    }

    @Override
    public FilesystemSummary summary() {
        Features f = sb.features();
        String type = (f.incompat() & ~(Features.INCOMPAT_FILETYPE | Features.INCOMPAT_RECOVER | Features.INCOMPAT_META_BG)) != 0
                || (f.roCompat() & ~(Features.RO_SPARSE_SUPER | Features.RO_LARGE_FILE | 0x4)) != 0 ? "ext4"
                : (f.compat() & Features.COMPAT_HAS_JOURNAL) != 0 ? "ext3" : "ext2";
        long size = sb.blocksCount() * blockSize;
        // A 64-bit free count times the block size could wrap into range: past a long, unknown.
        long freeBlocks = sb.freeBlocksCount();
        long free = freeBlocks < 0 || freeBlocks > Long.MAX_VALUE / blockSize ? -1 : freeBlocks * blockSize;
        return new FilesystemSummary(type, sb.volumeName(), sb.uuidString(), size, size - free, free, blockSize,
                sb.inodesCount(), sb.freeInodesCount(), f.names());
    }

    Inode readInode(long ino) throws IOException {
        if (ino < 1 || ino > sb.inodesCount()) {
            throw new InvalidDataException("inode number " + ino + " out of range");
        }
        long index = ino - 1;
        int g = (int) (index / sb.inodesPerGroup());
        long pos = groups[g].inodeTable() * blockSize + (index % sb.inodesPerGroup()) * sb.inodeSize();
        byte[] raw = fs.readBytes(pos, sb.inodeSize());
        if (csum && !Inode.checksumMatches(raw, sb.inodeSize(), csumSeed, ino)) {
            throw new InvalidDataException("checksum mismatch");
        }
        Inode inode = Inode.decode(raw, sb.inodeSize());
        checkSize(inode);
        return inode;
    }

    /**
     * A size no inode can have is refused before anything trusts it: past 2^63 (negative here),
     * or beyond what the inode's block mapping can address, as e2fsck checks.
     */
    private void checkSize(Inode inode) throws InvalidDataException {
        FileType type = FileType.ofMode(inode.mode());
        if (inode.size() < 0) {
            throw new InvalidDataException("impossible size " + Long.toUnsignedString(inode.size()) + " bytes");
        }
        if ((type == FileType.REGULAR || type == FileType.DIRECTORY) && !inode.hasFlag(Inode.FLAG_INLINE_DATA)
                && inode.size() > BlockMapper.maxSize(inode, blockSize)) {
            throw new InvalidDataException("impossible size " + inode.size() + " bytes: more than its "
                    + (inode.hasFlag(Inode.FLAG_EXTENTS) ? "extent tree" : "block map") + " can address");
        }
    }

    @Override
    public FileTree readTree() throws IOException {
        try {
            Map<Long, Node> nodes = new HashMap<>();
            Inode rootInode;
            Directory root;
            try {
                rootInode = readInode(ROOT);
                if (FileType.ofMode(rootInode.mode()) != FileType.DIRECTORY) {
                    throw new InvalidDataException("not a directory");
                }
                root = new Directory(metadata(rootInode, rawXattrs(rootInode)));
            } catch (InvalidDataException e) {
                throw located(ROOT, "/", e);
            }
            Set<Long> onPath = new HashSet<>();
            fill(root, ROOT, "", rootInode, nodes, onPath, 0);
            return new FileTree(root);
        } catch (RuntimeException e) {
            throw new InvalidDataException("corrupt ext4 filesystem: " + e, e);
        }
    }

    /** {@code e} as one line naming the inode it is about and the path it was reached by. */
    private static InvalidDataException located(long ino, String path, InvalidDataException e) {
        return new InvalidDataException("inode " + ino + " (" + (path.isEmpty() ? "/" : path) + "): " + e.getMessage(), e);
    }

    private void fill(Directory dir, long dirIno, String dirPath, Inode dirInode, Map<Long, Node> nodes, Set<Long> onPath,
                      int depth) throws IOException {
        if (depth > MAX_DEPTH || !onPath.add(dirIno)) {
            throw located(dirIno, dirPath, new InvalidDataException("directory loop"));
        }
        Map<String, Long> entries;
        try {
            entries = entries(dirIno, dirInode);
        } catch (InvalidDataException e) {
            throw located(dirIno, dirPath, e);
        }
        for (Map.Entry<String, Long> e : entries.entrySet()) {
            long ino = e.getValue();
            String path = dirPath + "/" + e.getKey();
            Node existing = nodes.get(ino);
            if (existing != null) {
                if (existing instanceof Directory) {
                    throw located(ino, path, new InvalidDataException("directory linked twice"));
                }
                dir.put(e.getKey(), existing);
                continue;
            }
            Inode inode;
            Node node;
            try {
                inode = readInode(ino);
                node = node(ino, inode);
            } catch (InvalidDataException x) {
                throw located(ino, path, x);
            }
            nodes.put(ino, node);
            dir.put(e.getKey(), node);
            if (node instanceof Directory sub) {
                fill(sub, ino, path, inode, nodes, onPath, depth + 1);
            }
        }
        onPath.remove(dirIno);
    }

    /** Names to inode numbers, "." and ".." left out; htree index blocks read as empty leaves. */
    private Map<String, Long> entries(long dirIno, Inode dirInode) throws IOException {
        Map<String, Long> out = new TreeMap<>();
        if (dirInode.hasFlag(Inode.FLAG_INLINE_DATA)) {
            List<ByteBuffer> areas = InlineData.directoryAreas(dirInode, rawXattrs(dirInode).get(InlineData.XATTR));
            for (int a = 0; a < areas.size(); a++) {
                readEntries(areas.get(a), areas.get(a).capacity(), "inline directory area " + a, out);
            }
            return out;
        }
        long limit = Math.min(dirInode.size(), sb.blocksCount() * (long) blockSize);
        int seed = csum ? Inode.inodeSeed(csumSeed, dirIno, dirInode.generation()) : 0;
        for (BlockRun run : mapper.map(dirInode, dirIno)) {
            for (long i = 0; i < run.length(); i++) {
                if ((run.logical() + i) * blockSize >= limit || run.unwritten()) {
                    break;
                }
                ByteBuffer b = mapper.readBlock(run.physical() + i);
                if (csum) {
                    checkDirectoryBlock(dirInode, b, run.logical() + i, seed);
                }
                readEntries(b, blockSize, "directory block " + (run.logical() + i), out);
            }
        }
        return out;
    }

    /** The entries of one directory block (or inline area) of {@code end} bytes into {@code out}. */
    private void readEntries(ByteBuffer b, int end, String where, Map<String, Long> out) throws InvalidDataException {
        boolean withType = (sb.features().incompat() & Features.INCOMPAT_FILETYPE) != 0;
        int off = 0;
        while (off < end) {
            DirectoryEntry d = DirectoryEntry.decode(b, off, end, withType);
            if (d == null) {
                throw new InvalidDataException(where + ": bad entry at offset " + off);
            }
            String name = d.nameString();
            if (d.inode() != 0 && !name.equals(".") && !name.equals("..") && !name.isEmpty() && name.indexOf('/') < 0) {
                if (d.inode() > sb.inodesCount()) {
                    throw new InvalidDataException("entry '" + name + "' names inode " + d.inode() + ", beyond the inode count");
                }
                out.put(name, d.inode());
            }
            off += d.recLen();
        }
    }

    /**
     * A directory block's checksum: an htree index block (block 0 of an indexed directory, or a
     * block whose one empty entry spans it) has a dx tail, every other block a leaf tail.
     */
    private void checkDirectoryBlock(Inode dirInode, ByteBuffer b, long logical, int seed) throws InvalidDataException {
        boolean indexed = dirInode.hasFlag(Inode.FLAG_INDEX);
        boolean index = indexed && (logical == 0 || (b.getShort(DirectoryEntry.OFF_REC_LEN) & 0xFFFF) == blockSize);
        if (index ? !DxTail.matches(b, blockSize, logical == 0, seed) : !DirectoryTail.matches(b, blockSize, seed)) {
            throw new InvalidDataException((index ? "htree index block " : "directory block ") + logical + ": checksum mismatch");
        }
    }

    private Node node(long ino, Inode inode) throws IOException {
        FileType type = FileType.ofMode(inode.mode());
        if (type == null) {
            throw new InvalidDataException("no valid file type (mode " + Integer.toOctalString(inode.mode()) + ")");
        }
        Map<String, byte[]> xattrs = rawXattrs(inode);
        Metadata m = metadata(inode, xattrs);
        boolean inline = inode.hasFlag(Inode.FLAG_INLINE_DATA);
        switch (type) {
            case DIRECTORY:
                return new Directory(m);
            case REGULAR:
                if (inline) {
                    return new RegularFile(m, new BytesContent(InlineData.bytes(inode, xattrs.get(InlineData.XATTR))));
                }
                return new RegularFile(m, new InodeContent(fs, blockSize, inode.size(), mapper.map(inode, ino)));
            case SYMLINK:
                if (inline) {
                    return new Symlink(m, new String(InlineData.bytes(inode, xattrs.get(InlineData.XATTR)), StandardCharsets.UTF_8));
                }
                return new Symlink(m, symlinkTarget(ino, inode));
            case CHAR_DEVICE:
            case BLOCK_DEVICE: {
                ByteBuffer b = ByteBuffer.wrap(inode.iBlock()).order(ByteOrder.LITTLE_ENDIAN);
                int old = b.getInt(0);
                if (old != 0) {
                    return new DeviceNode(type, m, (old >>> 8) & 0xFF, old & 0xFF);
                }
                int dev = b.getInt(4);
                return new DeviceNode(type, m, (dev & 0xFFF00) >>> 8, (dev & 0xFF) | ((dev >>> 12) & 0xFFF00));
            }
            default:
                return new SpecialFile(type, m);
        }
    }

    private String symlinkTarget(long ino, Inode inode) throws IOException {
        long size = inode.size();
        if (size <= 0 || size >= blockSize) {
            throw new InvalidDataException("symlink of " + Long.toUnsignedString(size) + " bytes");
        }
        // i_blocks counts 512-byte sectors; an xattr block takes a whole cluster under bigalloc.
        long dataSectors = inode.blocks() - (inode.fileAcl() != 0 ? sb.clusterSize() / SECTOR : 0);
        byte[] target;
        if (size < Inode.I_BLOCK_SIZE && dataSectors <= 0 && !inode.hasFlag(Inode.FLAG_EXTENTS)) {
            target = java.util.Arrays.copyOf(inode.iBlock(), (int) size);
        } else {
            target = new InodeContent(fs, blockSize, size, mapper.map(inode, ino)).readAll();
        }
        return new String(target, StandardCharsets.UTF_8);
    }

    /** Owner, mode, times and the attributes a program sees: system.data is inline_data's, the kernel lists it not. */
    private Metadata metadata(Inode inode, Map<String, byte[]> raw) {
        Map<String, byte[]> visible = new TreeMap<>(raw);
        visible.remove(InlineData.XATTR);
        return new Metadata(inode.mode() & 07777, (int) inode.uid(), (int) inode.gid(), inode.mtime(), inode.atime(), inode.ctime(),
                visible.isEmpty() ? Xattrs.NONE : Xattrs.of(visible));
    }

    /** Every extended attribute of the inode, in its body and its xattr block, values in their own inodes read. */
    private Map<String, byte[]> rawXattrs(Inode inode) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        if ((sb.features().compat() & Features.COMPAT_EXT_ATTR) == 0 && !inode.hasFlag(Inode.FLAG_INLINE_DATA)) {
            return out;
        }
        byte[] area = inode.xattrArea();
        if (area.length >= 4 && ByteBuffer.wrap(area).order(ByteOrder.LITTLE_ENDIAN).getInt(0) == XattrEntry.MAGIC) {
            ByteBuffer b = ByteBuffer.wrap(area).order(ByteOrder.LITTLE_ENDIAN);
            readXattrEntries(b, 4, 4, out);
        }
        if (inode.fileAcl() != 0) {
            if (inode.fileAcl() >= sb.blocksCount()) {
                throw new InvalidDataException("xattr block " + inode.fileAcl() + " outside the filesystem");
            }
            ByteBuffer b = mapper.readBlock(inode.fileAcl());
            if (b.getInt(0) != XattrEntry.MAGIC) {
                throw new InvalidDataException("xattr block " + inode.fileAcl() + ": bad magic");
            }
            if (csum && !XattrBlockHeader.checksumMatches(b, inode.fileAcl(), csumSeed)) {
                throw new InvalidDataException("xattr block " + inode.fileAcl() + ": checksum mismatch");
            }
            readXattrEntries(b, XattrBlockHeader.SIZE, 0, out);
        }
        return out;
    }

    /** Entries from {@code first}; value offsets count from {@code valueBase}. */
    private void readXattrEntries(ByteBuffer b, int first, int valueBase, Map<String, byte[]> out) throws IOException {
        int off = first;
        int limit = b.capacity();
        while (off + 4 <= limit && b.getInt(off) != 0) {
            if (off + XattrEntry.HEADER > limit) {
                throw new InvalidDataException("truncated xattr entry");
            }
            int nameLen = b.get(off) & 0xFF;
            int index = b.get(off + 1) & 0xFF;
            int valueOffs = b.getShort(off + 2) & 0xFFFF;
            long valueInum = b.getInt(off + 4) & 0xFFFFFFFFL;
            long valueSize = b.getInt(off + 8) & 0xFFFFFFFFL;
            if (off + XattrEntry.HEADER + nameLen > limit) {
                throw new InvalidDataException("xattr name past the end");
            }
            byte[] name = new byte[nameLen];
            b.get(off + XattrEntry.HEADER, name);
            byte[] value;
            if (valueInum != 0) {
                value = valueInInode(valueInum, valueSize, new XattrEntry(index, name, new byte[0]).fullName());
            } else {
                if (valueBase + (long) valueOffs + valueSize > limit) {
                    throw new InvalidDataException("xattr value past the end");
                }
                value = new byte[(int) valueSize];
                b.get(valueBase + valueOffs, value);
            }
            XattrEntry e = new XattrEntry(index, name, value);
            String full = e.fullName();
            out.put(full, Ext4Acl.isAclName(full) ? Ext4Acl.fromExt4(value) : value);
            off += e.entrySize();
        }
    }

    /** ea_inode: a value too big for the xattr block, kept as the content of an inode of its own. */
    private byte[] valueInInode(long valueIno, long size, String name) throws IOException {
        if ((sb.features().incompat() & Features.INCOMPAT_EA_INODE) == 0) {
            throw new InvalidDataException("xattr " + name + ": value in inode " + valueIno + " without the ea_inode feature");
        }
        if (size > XATTR_VALUE_MAX) {
            throw new InvalidDataException("xattr " + name + ": value of " + size + " bytes, more than ext4 allows");
        }
        Inode ea;
        try {
            ea = readInode(valueIno);
        } catch (InvalidDataException e) {
            throw new InvalidDataException("xattr " + name + ": value inode " + valueIno + ": " + e.getMessage(), e);
        }
        if (!ea.hasFlag(Inode.FLAG_EA_INODE) || ea.size() != size) {
            throw new InvalidDataException("xattr " + name + ": inode " + valueIno + " does not hold its value of " + size + " bytes");
        }
        byte[] known = eaValues.get(valueIno);
        if (known != null) {
            return known;
        }
        List<BlockRun> runs = mapper.map(ea, valueIno);
        long stored = 0;
        for (BlockRun r : runs) {
            stored += r.unwritten() ? 0 : r.length();
        }
        // The kernel writes every block of a value: a sparse one would let a tiny image claim
        // many megabytes of values.
        if (stored * blockSize < size) {
            throw new InvalidDataException("xattr " + name + ": value inode " + valueIno + " stores less than its " + size + " bytes");
        }
        byte[] value = new InodeContent(fs, blockSize, size, runs).readAll();
        // Many entries may name one value inode (ext4 shares them by hash): one copy for all.
        eaValues.put(valueIno, value);
        return value;
    }

    @Override
    public void close() {
        // The storage belongs to the caller.
    }

    /** Used by tests and inspect: every group's descriptor. */
    List<GroupDescriptor> groupDescriptors() {
        return new ArrayList<>(List.of(groups));
    }
}
