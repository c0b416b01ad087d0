package walt.vpn.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import walt.vpn.tree.InvalidDataException;
import walt.vpn.tree.Xattrs;

/**
 * Where a file's extended attributes go: all in the inode body when they fit there, else all
 * in one xattr block (both layouts are what the kernel reads; e2fsck checks each).
 */
final class XattrLayout {

    static final int BLOCK_HEADER = XattrBlockHeader.SIZE;

    private final List<XattrEntry> entries;

    XattrLayout(Xattrs xattrs) throws InvalidDataException {
        List<XattrEntry> list = new ArrayList<>();
        for (String name : xattrs.names()) {
            byte[] v = xattrs.get(name);
            list.add(XattrEntry.of(name, Ext4Acl.isAclName(name) ? Ext4Acl.toExt4(v) : v));
        }
        Collections.sort(list);
        this.entries = list;
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    private int bytes() {
        int n = 4; // the terminating empty entry
        for (XattrEntry e : entries) {
            n += e.entrySize() + e.valueSize();
        }
        return n;
    }

    /** Whether everything fits in the inode's {@code area} bytes after the extra fields. */
    boolean fitsInInode(int area) {
        return 4 + bytes() <= area;
    }

    boolean fitsInBlock() {
        return BLOCK_HEADER + bytes() <= Geometry.BLOCK;
    }

    /** The in-inode region: magic, entries, values from the end; value offsets count from the first entry. */
    byte[] inodeArea(int area) {
        ByteBuffer b = ByteBuffer.allocate(area).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, XattrEntry.MAGIC);
        int entryOff = 4;
        int valueEnd = area;
        for (XattrEntry e : entries) {
            valueEnd -= e.valueSize();
            b.put(valueEnd, e.value());
            e.encode(b, entryOff, valueEnd - 4, 0);
            entryOff += e.entrySize();
        }
        return b.array();
    }

    /** A complete xattr block for block number {@code block}, hashed and checksummed. */
    ByteBuffer block(long block, int csumSeed, boolean checksum) {
        ByteBuffer b = ByteBuffer.allocate(Geometry.BLOCK).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, XattrEntry.MAGIC);
        b.putInt(XattrBlockHeader.OFF_REFCOUNT, 1);
        b.putInt(XattrBlockHeader.OFF_BLOCKS, 1);
        int entryOff = BLOCK_HEADER;
        int valueEnd = Geometry.BLOCK;
        int blockHash = 0;
        for (XattrEntry e : entries) {
            valueEnd -= e.valueSize();
            b.put(valueEnd, e.value());
            int h = e.hash();
            e.encode(b, entryOff, valueEnd, h);
            entryOff += e.entrySize();
            blockHash = (blockHash << 16) ^ (blockHash >>> 16) ^ h;
        }
        b.putInt(XattrBlockHeader.OFF_HASH, blockHash);
        if (checksum) {
            XattrBlockHeader.setChecksum(b, block, csumSeed);
        }
        return b;
    }
}
