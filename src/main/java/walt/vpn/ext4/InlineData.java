package walt.vpn.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import walt.vpn.tree.InvalidDataException;

/**
 * The content of an inline_data inode (a small file, directory or symlink): the 60 bytes of
 * i_block, continued in the value of its "system.data" extended attribute. A directory's
 * i_block starts with its parent's inode number ("." and ".." are not stored), then entries;
 * the attribute holds more entries, as a second, shorter block.
 */
final class InlineData {

    static final String XATTR = "system.data";
    private static final int PARENT_SIZE = 4;

    private InlineData() {
    }

    /** The inode's {@code i_size} bytes; {@code systemData} is its system.data value (null when absent). */
    static byte[] bytes(Inode inode, byte[] systemData) throws InvalidDataException {
        byte[] more = stored(systemData);
        long capacity = Inode.I_BLOCK_SIZE + (long) more.length;
        if (inode.size() > capacity) {
            throw new InvalidDataException("inline data of " + inode.size() + " bytes, of which " + capacity + " are stored");
        }
        int size = (int) inode.size();
        byte[] out = Arrays.copyOf(inode.iBlock(), size);
        if (size > Inode.I_BLOCK_SIZE) {
            System.arraycopy(more, 0, out, Inode.I_BLOCK_SIZE, size - Inode.I_BLOCK_SIZE);
        }
        return out;
    }

    /** The inode number of an inline directory's parent. */
    static long parent(Inode inode) {
        return ByteBuffer.wrap(inode.iBlock()).order(ByteOrder.LITTLE_ENDIAN).getInt(0) & 0xFFFFFFFFL;
    }

    /** An inline directory's entry areas, each parsed like a directory block of its own length. */
    static List<ByteBuffer> directoryAreas(Inode inode, byte[] systemData) throws InvalidDataException {
        byte[] more = stored(systemData);
        List<ByteBuffer> out = new ArrayList<>();
        out.add(ByteBuffer.wrap(Arrays.copyOfRange(inode.iBlock(), PARENT_SIZE, Inode.I_BLOCK_SIZE)).order(ByteOrder.LITTLE_ENDIAN));
        if (more.length > 0) {
            out.add(ByteBuffer.wrap(more.clone()).order(ByteOrder.LITTLE_ENDIAN));
        }
        return out;
    }

    private static byte[] stored(byte[] systemData) throws InvalidDataException {
        if (systemData == null) {
            throw new InvalidDataException("inline data without its " + XATTR + " attribute");
        }
        return systemData;
    }
}
