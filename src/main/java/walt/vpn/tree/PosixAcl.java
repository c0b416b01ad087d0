package walt.vpn.tree;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A POSIX ACL in its two forms: the text tar keeps in {@code SCHILY.acl.access} and
 * {@code SCHILY.acl.default} ({@code user::rw-,user:1000:r--,group::r--,mask::r--,other::---}),
 * and the kernel's {@code system.posix_acl_*} xattr value (version 2, then 8-byte entries
 * {@code tag, perm, id}, little-endian, sorted by tag then id as the kernel requires).
 */
public record PosixAcl(List<Entry> entries) {

    static final int USER_OBJ = 0x01;
    static final int USER = 0x02;
    static final int GROUP_OBJ = 0x04;
    static final int GROUP = 0x08;
    static final int MASK = 0x10;
    static final int OTHER = 0x20;
    private static final long UNDEFINED_ID = 0xFFFFFFFFL;
    private static final int VERSION = 2;

    /** One ACL entry; {@code id} is -1 for the entries that name no user or group. */
    public record Entry(int tag, int perm, long id) {
    }

    public PosixAcl {
        entries = entries.stream().sorted(Comparator.comparingInt(Entry::tag).thenComparingLong(Entry::id)).toList();
    }

    /**
     * Parses the text form with numeric ids. Named qualifiers resolve only through the host's
     * user database, which a reproducible build must not consult: star's trailing numeric
     * field ({@code user:bob:rw-:1000}) is used when present, otherwise this is an error.
     */
    public static PosixAcl parseText(String text) throws InvalidDataException {
        List<Entry> out = new ArrayList<>();
        for (String raw : text.split("[,\n]")) {
            String e = raw.trim();
            if (e.isEmpty() || e.startsWith("#")) {
                continue;
            }
            String[] f = e.split(":", -1);
            if (f.length < 3 || f.length > 4) {
                throw new InvalidDataException("bad ACL entry '" + e + "'");
            }
            int perm = perm(f[2], e);
            String q = f[1];
            if (!q.isEmpty() && !q.matches("[0-9]{1,10}")) {
                if (f.length == 4 && f[3].matches("[0-9]{1,10}")) {
                    q = f[3];
                } else {
                    throw new InvalidDataException("ACL entry '" + e + "' names a user or group without its numeric id");
                }
            }
            long id = q.isEmpty() ? -1 : Long.parseLong(q);
            if (id > UNDEFINED_ID - 1) {
                throw new InvalidDataException("ACL id out of range in '" + e + "'");
            }
            int tag = switch (f[0]) {
                case "user", "u" -> q.isEmpty() ? USER_OBJ : USER;
                case "group", "g" -> q.isEmpty() ? GROUP_OBJ : GROUP;
                case "mask", "m" -> MASK;
                case "other", "o" -> OTHER;
                default -> throw new InvalidDataException("bad ACL tag in '" + e + "'");
            };
            if ((tag == MASK || tag == OTHER) && id != -1) {
                throw new InvalidDataException("ACL " + f[0] + " entry takes no qualifier: '" + e + "'");
            }
            out.add(new Entry(tag, perm, id));
        }
        return new PosixAcl(out);
    }

    private static int perm(String p, String e) throws InvalidDataException {
        if (!p.matches("[r-][w-][x-]")) {
            throw new InvalidDataException("bad ACL permissions in '" + e + "'");
        }
        return (p.charAt(0) == 'r' ? 4 : 0) | (p.charAt(1) == 'w' ? 2 : 0) | (p.charAt(2) == 'x' ? 1 : 0);
    }

    public byte[] toXattr() {
        byte[] b = new byte[4 + 8 * entries.size()];
        le32(b, 0, VERSION);
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            int o = 4 + 8 * i;
            b[o] = (byte) e.tag;
            b[o + 1] = (byte) (e.tag >>> 8);
            b[o + 2] = (byte) e.perm;
            b[o + 3] = (byte) (e.perm >>> 8);
            le32(b, o + 4, e.id == -1 ? UNDEFINED_ID : e.id);
        }
        return b;
    }

    public static PosixAcl fromXattr(byte[] b) throws InvalidDataException {
        if (b.length < 4 || (b.length - 4) % 8 != 0 || (b[0] & 0xFF) != VERSION || b[1] != 0 || b[2] != 0 || b[3] != 0) {
            throw new InvalidDataException("not a POSIX ACL xattr (" + b.length + " bytes)");
        }
        List<Entry> out = new ArrayList<>();
        for (int o = 4; o < b.length; o += 8) {
            int tag = (b[o] & 0xFF) | (b[o + 1] & 0xFF) << 8;
            int perm = (b[o + 2] & 0xFF) | (b[o + 3] & 0xFF) << 8;
            long id = (b[o + 4] & 0xFFL) | (b[o + 5] & 0xFFL) << 8 | (b[o + 6] & 0xFFL) << 16 | (b[o + 7] & 0xFFL) << 24;
            if (tag != USER_OBJ && tag != USER && tag != GROUP_OBJ && tag != GROUP && tag != MASK && tag != OTHER) {
                throw new InvalidDataException("bad POSIX ACL tag 0x" + Integer.toHexString(tag));
            }
            out.add(new Entry(tag, perm & 7, tag == USER || tag == GROUP ? id : -1));
        }
        return new PosixAcl(out);
    }

    /** The text form GNU tar writes, numeric ids only. */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        for (Entry e : entries) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            String tag = switch (e.tag) {
                case USER_OBJ, USER -> "user";
                case GROUP_OBJ, GROUP -> "group";
                case MASK -> "mask";
                default -> "other";
            };
            sb.append(tag).append(':').append(e.id == -1 ? "" : Long.toString(e.id)).append(':')
                    .append((e.perm & 4) != 0 ? 'r' : '-').append((e.perm & 2) != 0 ? 'w' : '-').append((e.perm & 1) != 0 ? 'x' : '-');
        }
        return sb.toString();
    }

    private static void le32(byte[] b, int o, long v) {
        b[o] = (byte) v;
        b[o + 1] = (byte) (v >>> 8);
        b[o + 2] = (byte) (v >>> 16);
        b[o + 3] = (byte) (v >>> 24);
    }
}
