package walt.vpn.ext4;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import walt.vpn.tree.InvalidDataException;

/**
 * POSIX ACLs travel as the kernel's {@code posix_acl_xattr} (version 2, 8 bytes an entry) but
 * ext4 stores its own shorter form (version 1; the owner, group, mask and other entries carry
 * no id). Both directions are here so a tree round-trips through an image unchanged.
 */
public final class Ext4Acl {

    private static final int XATTR_VERSION = 2;
    private static final int EXT4_VERSION = 1;
    private static final int USER = 0x02;
    private static final int GROUP = 0x08;

    private Ext4Acl() {
    }

    public static boolean isAclName(String name) {
        return name.equals("system.posix_acl_access") || name.equals("system.posix_acl_default");
    }

    public static byte[] toExt4(byte[] xattr) throws InvalidDataException {
        ByteBuffer in = ByteBuffer.wrap(xattr).order(ByteOrder.LITTLE_ENDIAN);
        if (xattr.length < 4 || (xattr.length - 4) % 8 != 0 || in.getInt() != XATTR_VERSION) {
            throw new InvalidDataException("malformed POSIX ACL xattr (" + xattr.length + " bytes)");
        }
        ByteBuffer out = ByteBuffer.allocate(xattr.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(EXT4_VERSION);
        while (in.remaining() >= 8) {
            short tag = in.getShort();
            short perm = in.getShort();
            int id = in.getInt();
            out.putShort(tag).putShort(perm);
            if (tag == USER || tag == GROUP) {
                out.putInt(id);
            }
        }
        return java.util.Arrays.copyOf(out.array(), out.position());
    }

    public static byte[] fromExt4(byte[] ext4) throws InvalidDataException {
        ByteBuffer in = ByteBuffer.wrap(ext4).order(ByteOrder.LITTLE_ENDIAN);
        if (ext4.length < 4 || in.getInt() != EXT4_VERSION) {
            throw new InvalidDataException("malformed ext4 ACL (" + ext4.length + " bytes)");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer e = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        e.putInt(0, XATTR_VERSION);
        out.write(e.array(), 0, 4);
        while (in.remaining() >= 4) {
            short tag = in.getShort();
            short perm = in.getShort();
            int id = -1;
            if (tag == USER || tag == GROUP) {
                if (in.remaining() < 4) {
                    throw new InvalidDataException("truncated ext4 ACL entry");
                }
                id = in.getInt();
            }
            e.clear();
            e.putShort(tag).putShort(perm).putInt(id);
            out.write(e.array(), 0, 8);
        }
        return out.toByteArray();
    }
}
