package walt.vpn.ext4;

import java.util.ArrayList;
import java.util.List;

/** The superblock's three feature words, with the names e2fsprogs prints for them. */
public record Features(int compat, int incompat, int roCompat) {

    public static final int COMPAT_HAS_JOURNAL = 0x4;
    public static final int COMPAT_EXT_ATTR = 0x8;
    public static final int COMPAT_RESIZE_INODE = 0x10;
    public static final int COMPAT_DIR_INDEX = 0x20;

    public static final int INCOMPAT_FILETYPE = 0x2;
    public static final int INCOMPAT_RECOVER = 0x4;
    public static final int INCOMPAT_JOURNAL_DEV = 0x8;
    public static final int INCOMPAT_META_BG = 0x10;
    public static final int INCOMPAT_EXTENTS = 0x40;
    public static final int INCOMPAT_64BIT = 0x80;
    public static final int INCOMPAT_MMP = 0x100;
    public static final int INCOMPAT_FLEX_BG = 0x200;
    public static final int INCOMPAT_EA_INODE = 0x400;
    public static final int INCOMPAT_CSUM_SEED = 0x2000;
    public static final int INCOMPAT_LARGEDIR = 0x4000;
    public static final int INCOMPAT_INLINE_DATA = 0x8000;

    public static final int RO_SPARSE_SUPER = 0x1;
    public static final int RO_LARGE_FILE = 0x2;
    public static final int RO_HUGE_FILE = 0x8;
    public static final int RO_GDT_CSUM = 0x10;
    public static final int RO_DIR_NLINK = 0x20;
    public static final int RO_EXTRA_ISIZE = 0x40;
    public static final int RO_BIGALLOC = 0x200;
    public static final int RO_METADATA_CSUM = 0x400;

    /** Incompatible features this code reads correctly; any other one is refused. */
    public static final int INCOMPAT_SUPPORTED = INCOMPAT_FILETYPE | INCOMPAT_RECOVER | INCOMPAT_META_BG | INCOMPAT_EXTENTS
            | INCOMPAT_64BIT | INCOMPAT_MMP | INCOMPAT_FLEX_BG | INCOMPAT_CSUM_SEED | INCOMPAT_EA_INODE | INCOMPAT_LARGEDIR
            | INCOMPAT_INLINE_DATA;

    private static final String[] COMPAT = {"dir_prealloc", "imagic_inodes", "has_journal", "ext_attr", "resize_inode",
        "dir_index", "lazy_bg", "snapshot_bitmap", "exclude_bitmap", "sparse_super2", "fast_commit", "stable_inodes", "orphan_file"};
    private static final String[] INCOMPAT = {"compression", "filetype", "needs_recovery", "journal_dev", "meta_bg", null,
        "extent", "64bit", "mmp", "flex_bg", "ea_inode", null, "dirdata", "metadata_csum_seed", "large_dir", "inline_data",
        "encrypt", "casefold"};
    private static final String[] RO = {"sparse_super", "large_file", null, "huge_file", "uninit_bg", "dir_nlink",
        "extra_isize", "has_snapshot", "quota", "bigalloc", "metadata_csum", "replica", "read-only", "project", "shared_blocks",
        "verity", "orphan_present"};

    /** The names in the order dumpe2fs lists them. */
    public List<String> names() {
        List<String> out = new ArrayList<>();
        add(out, compat, COMPAT, "FEATURE_C");
        add(out, incompat, INCOMPAT, "FEATURE_I");
        add(out, roCompat, RO, "FEATURE_R");
        return out;
    }

    public boolean has(int compatMask, int incompatMask, int roMask) {
        return (compat & compatMask) == compatMask && (incompat & incompatMask) == incompatMask && (roCompat & roMask) == roMask;
    }

    public boolean metadataCsum() {
        return (roCompat & RO_METADATA_CSUM) != 0;
    }

    public boolean is64bit() {
        return (incompat & INCOMPAT_64BIT) != 0;
    }

    private static void add(List<String> out, int word, String[] names, String prefix) {
        for (int bit = 0; bit < 32; bit++) {
            if ((word & (1 << bit)) != 0) {
                out.add(bit < names.length && names[bit] != null ? names[bit] : prefix + bit);
            }
        }
    }
}
