package walt.vpn.fat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import walt.vpn.tree.InvalidDataException;

/**
 * The boot sector's BIOS parameter block: the volume's geometry (sector and cluster size,
 * reserved area, FATs, root directory, a fixed region on FAT12 and FAT16) and, for FAT32, the
 * extended BPB (FAT size, root cluster, FSInfo and backup boot sector locations, volume id and
 * label).
 */
public final class BootSector {

    public static final int FAT32_RESERVED_SECTORS = 32;
    public static final int BACKUP_BOOT_SECTOR = 6;
    public static final String NO_LABEL = "NO NAME";
    /** mkfs.fat and the FAT specification: fewer clusters than this makes a FAT16 (or 12). */
    public static final long MIN_FAT32_CLUSTERS = 65525;
    /** The FAT specification: fewer clusters than this makes a FAT12. */
    static final long MIN_FAT16_CLUSTERS = 4085;
    static final long MAX_FAT32_CLUSTERS = 0x0FFFFFF5L;

    private final int bytesPerSector;
    private final int sectorsPerCluster;
    private final int reservedSectors;
    private final int fatCount;
    private final int rootEntryCount;
    private final long totalSectors;
    private final int media;
    private final long fatSectors;
    private final long hiddenSectors;
    private final long rootCluster;
    private final int fsInfoSector;
    private final int backupBootSector;
    private final int extFlags;
    private final long volumeId;
    private final String label;
    private final FatType type;
    private final long clusterCount;

    private BootSector(int bytesPerSector, int sectorsPerCluster, int reservedSectors, int fatCount,
                       int rootEntryCount, long totalSectors, int media, long fatSectors, long hiddenSectors,
                       long rootCluster, int fsInfoSector, int backupBootSector, int extFlags, long volumeId,
                       String label, FatType type) {
        this.bytesPerSector = bytesPerSector;
        this.sectorsPerCluster = sectorsPerCluster;
        this.reservedSectors = reservedSectors;
        this.fatCount = fatCount;
        this.rootEntryCount = rootEntryCount;
        this.totalSectors = totalSectors;
        this.media = media;
        this.fatSectors = fatSectors;
        this.hiddenSectors = hiddenSectors;
        this.rootCluster = rootCluster;
        this.fsInfoSector = fsInfoSector;
        this.backupBootSector = backupBootSector;
        this.extFlags = extFlags;
        this.volumeId = volumeId;
        this.label = label;
        this.type = type;
        this.clusterCount = (totalSectors - firstDataSector()) / sectorsPerCluster;
    }

    /** A FAT32 boot sector with 512-byte sectors, 32 reserved sectors, two FATs, root at 2. */
    public static BootSector fat32(long totalSectors, int sectorsPerCluster, long fatSectors, long volumeId, String label) {
        return new BootSector(512, sectorsPerCluster, FAT32_RESERVED_SECTORS, 2, 0, totalSectors, 0xF8,
                fatSectors, 0, 2, 1, BACKUP_BOOT_SECTOR, 0, volumeId, label, FatType.FAT32);
    }

    /**
     * Parses and checks sector 0 against the size of the storage it came from, so that no later
     * computation runs on absurd values.
     */
    public static BootSector parse(byte[] sector, long storageSize) throws InvalidDataException {
        if (sector.length < 512) {
            throw new InvalidDataException("not a FAT filesystem: shorter than one sector");
        }
        ByteBuffer b = ByteBuffer.wrap(sector).order(ByteOrder.LITTLE_ENDIAN);
        if ((b.getShort(510) & 0xFFFF) != 0xAA55) {
            throw new InvalidDataException("not a FAT filesystem: no boot sector signature 55 AA");
        }
        int bps = b.getShort(11) & 0xFFFF;
        if (bps != 512 && bps != 1024 && bps != 2048 && bps != 4096) {
            throw new InvalidDataException("not a FAT filesystem: bad bytes per sector " + bps);
        }
        int spc = b.get(13) & 0xFF;
        if (spc == 0 || Integer.bitCount(spc) != 1 || (long) spc * bps > 256 * 1024) {
            throw new InvalidDataException("bad FAT boot sector: sectors per cluster " + spc);
        }
        int reserved = b.getShort(14) & 0xFFFF;
        int fats = b.get(16) & 0xFF;
        int rootEntries = b.getShort(17) & 0xFFFF;
        long total = b.getShort(19) & 0xFFFF;
        if (total == 0) {
            total = Integer.toUnsignedLong(b.getInt(32));
        }
        int media = b.get(21) & 0xFF;
        long fatSz = b.getShort(22) & 0xFFFF;
        long hidden = Integer.toUnsignedLong(b.getInt(28));
        if (reserved == 0) {
            throw new InvalidDataException("bad FAT boot sector: no reserved sectors");
        }
        if (fats == 0 || fats > 4) {
            throw new InvalidDataException("bad FAT boot sector: " + fats + " FAT copies");
        }
        if (total == 0) {
            throw new InvalidDataException("bad FAT boot sector: total sector count is 0");
        }
        if (total * bps > storageSize) {
            throw new InvalidDataException("FAT filesystem truncated: boot sector says " + total * bps
                    + " bytes, the storage holds " + storageSize);
        }
        FatType type;
        long rootCluster = 0;
        int fsInfo = 0;
        int backup = 0;
        int extFlags = 0;
        int extOffset;
        if (fatSz == 0) {
            type = FatType.FAT32;
            fatSz = Integer.toUnsignedLong(b.getInt(36));
            extFlags = b.getShort(40) & 0xFFFF;
            if ((b.getShort(42) & 0xFFFF) != 0) {
                throw new InvalidDataException("unsupported FAT32 version " + Integer.toHexString(b.getShort(42) & 0xFFFF));
            }
            rootCluster = Integer.toUnsignedLong(b.getInt(44));
            fsInfo = b.getShort(48) & 0xFFFF;
            backup = b.getShort(50) & 0xFFFF;
            extOffset = 64;
            if (rootEntries != 0) {
                throw new InvalidDataException("bad FAT32 boot sector: fixed root directory of " + rootEntries + " entries");
            }
        } else {
            // FAT12 or FAT16: only the cluster count, known below, tells which.
            type = null;
            extOffset = 36;
            if (rootEntries == 0) {
                throw new InvalidDataException("bad FAT12/16 boot sector: root directory has no entries");
            }
        }
        if (fatSz == 0) {
            throw new InvalidDataException("bad FAT boot sector: FAT size is 0");
        }
        long volumeId = 0;
        String label = NO_LABEL;
        if ((b.get(extOffset + 2) & 0xFF) == 0x29) {
            volumeId = Integer.toUnsignedLong(b.getInt(extOffset + 3));
            label = new String(sector, extOffset + 7, 11, StandardCharsets.ISO_8859_1).stripTrailing();
        }
        long rootSectors = ((long) rootEntries * 32 + bps - 1) / bps;
        long dataStart = reserved + fats * fatSz + rootSectors;
        if (dataStart >= total) {
            throw new InvalidDataException("bad FAT boot sector: reserved area, FATs and root directory (" + dataStart
                    + " sectors) fill the whole volume (" + total + " sectors)");
        }
        long clusters = (total - dataStart) / spc;
        if (type == null) {
            // Microsoft's FAT specification: the count of data clusters alone decides, never
            // the "FAT12   " text, which is only a label. Linux decides the same way.
            type = clusters < MIN_FAT16_CLUSTERS ? FatType.FAT12 : FatType.FAT16;
        }
        BootSector bs = new BootSector(bps, spc, reserved, fats, rootEntries, total, media, fatSz, hidden,
                rootCluster, fsInfo, backup, extFlags, volumeId, label, type);
        if (type == FatType.FAT16 && clusters >= MIN_FAT32_CLUSTERS) {
            throw new InvalidDataException("bad FAT16 boot sector: " + clusters + " clusters is too many for FAT16");
        }
        if (clusters > MAX_FAT32_CLUSTERS) {
            throw new InvalidDataException("bad FAT32 boot sector: " + clusters + " clusters");
        }
        if (type.entriesIn(fatSz * bps) < clusters + 2) {
            throw new InvalidDataException("bad FAT boot sector: FAT of " + fatSz + " sectors cannot map " + clusters + " clusters");
        }
        if (type == FatType.FAT32 && (rootCluster < 2 || rootCluster > clusters + 1)) {
            throw new InvalidDataException("bad FAT32 boot sector: root cluster " + rootCluster + " outside 2.." + (clusters + 1));
        }
        return bs;
    }

    /** The sector as written: jump, OEM name, BPB, halt loop as boot code, 55 AA. */
    public byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(bytesPerSector).order(ByteOrder.LITTLE_ENDIAN);
        int bootCode = type == FatType.FAT32 ? 0x5A : 0x3E;
        b.put(0, (byte) 0xEB).put(1, (byte) (bootCode - 2)).put(2, (byte) 0x90);
        b.put(3, "WALT-VPN".getBytes(StandardCharsets.US_ASCII));
        b.putShort(11, (short) bytesPerSector);
        b.put(13, (byte) sectorsPerCluster);
        b.putShort(14, (short) reservedSectors);
        b.put(16, (byte) fatCount);
        b.putShort(17, (short) rootEntryCount);
        if (totalSectors < 0x10000 && type.hasFixedRoot()) {
            b.putShort(19, (short) totalSectors);
        } else {
            b.putInt(32, (int) totalSectors);
        }
        b.put(21, (byte) media);
        b.putShort(24, (short) 32); // sectors per track: a conventional LBA geometry
        b.putShort(26, (short) 64); // heads
        b.putInt(28, (int) hiddenSectors);
        int ext;
        if (type == FatType.FAT32) {
            b.putInt(36, (int) fatSectors);
            b.putShort(40, (short) extFlags);
            b.putInt(44, (int) rootCluster);
            b.putShort(48, (short) fsInfoSector);
            b.putShort(50, (short) backupBootSector);
            ext = 64;
        } else {
            b.putShort(22, (short) fatSectors);
            ext = 36;
        }
        b.put(ext, (byte) 0x80);
        b.put(ext + 2, (byte) 0x29);
        b.putInt(ext + 3, (int) volumeId);
        b.put(ext + 7, pad(label, 11));
        b.put(ext + 18, pad(type.name(), 8));
        // Not bootable: hlt; jmp back to hlt.
        b.put(bootCode, (byte) 0xF4).put(bootCode + 1, (byte) 0xEB).put(bootCode + 2, (byte) 0xFD);
        b.putShort(510, (short) 0xAA55);
        return b.array();
    }

    static byte[] pad(String s, int n) {
        byte[] out = new byte[n];
        java.util.Arrays.fill(out, (byte) ' ');
        byte[] src = s.getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(src, 0, out, 0, Math.min(n, src.length));
        return out;
    }

    public FatType type() {
        return type;
    }

    public int bytesPerSector() {
        return bytesPerSector;
    }

    public int sectorsPerCluster() {
        return sectorsPerCluster;
    }

    public int clusterBytes() {
        return bytesPerSector * sectorsPerCluster;
    }

    public int reservedSectors() {
        return reservedSectors;
    }

    public int fatCount() {
        return fatCount;
    }

    public int rootEntryCount() {
        return rootEntryCount;
    }

    public long totalSectors() {
        return totalSectors;
    }

    public long fatSectors() {
        return fatSectors;
    }

    public long rootCluster() {
        return rootCluster;
    }

    public int fsInfoSector() {
        return fsInfoSector;
    }

    public int backupBootSector() {
        return backupBootSector;
    }

    /** Bit 7 set: FAT mirroring is off and only the FAT numbered in bits 0-3 is used. */
    public int extFlags() {
        return extFlags;
    }

    public long volumeId() {
        return volumeId;
    }

    public String label() {
        return label;
    }

    /** Valid cluster numbers run from 2 to clusterCount + 1. */
    public long clusterCount() {
        return clusterCount;
    }

    public long fatOffset(int copy) {
        return ((long) reservedSectors + copy * fatSectors) * bytesPerSector;
    }

    public long rootDirOffset() {
        return ((long) reservedSectors + fatCount * fatSectors) * bytesPerSector;
    }

    public int rootDirBytes() {
        return rootEntryCount * 32;
    }

    public long firstDataSector() {
        return reservedSectors + fatCount * fatSectors + ((long) rootEntryCount * 32 + bytesPerSector - 1) / bytesPerSector;
    }

    public long clusterOffset(long cluster) {
        return (firstDataSector() + (cluster - 2) * sectorsPerCluster) * bytesPerSector;
    }

    public long sizeBytes() {
        return totalSectors * bytesPerSector;
    }
}
