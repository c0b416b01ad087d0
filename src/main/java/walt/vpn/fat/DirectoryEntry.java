package walt.vpn.fat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import walt.vpn.tree.Timestamp;

/**
 * One 32-byte short (8.3) directory entry: name, attributes, the NT case flags, creation time
 * (with its 10 ms field), access date, modification time, first cluster and size. Times are
 * local time on disk; this project treats them as UTC so images do not depend on the host.
 */
public record DirectoryEntry(byte[] name, int attributes, int caseFlags, int createTenMs, int createTime,
                             int createDate, int accessDate, int modifyTime, int modifyDate,
                             long firstCluster, long size) {

    public static final int SIZE = 32;
    public static final int ATTR_READ_ONLY = 0x01;
    public static final int ATTR_HIDDEN = 0x02;
    public static final int ATTR_SYSTEM = 0x04;
    public static final int ATTR_VOLUME_ID = 0x08;
    public static final int ATTR_DIRECTORY = 0x10;
    public static final int ATTR_ARCHIVE = 0x20;
    public static final int ATTR_LONG_NAME = 0x0F;
    /** NT (Windows, Linux) flags: the base / extension of the 8.3 name is shown lower case. */
    public static final int CASE_LOWER_BASE = 0x08;
    public static final int CASE_LOWER_EXT = 0x10;
    public static final int DELETED = 0xE5;

    /** 1980-01-01T00:00:00Z: the earliest FAT time. */
    public static final long FAT_EPOCH = 315_532_800L;
    /** 2107-12-31T23:59:58Z: the latest. */
    public static final long FAT_END = 4_354_819_198L;

    public DirectoryEntry {
        name = name.clone();
        if (name.length != 11) {
            throw new IllegalArgumentException("8.3 name must be 11 bytes");
        }
    }

    @Override
    public byte[] name() {
        return name.clone();
    }

    public static DirectoryEntry parse(ByteBuffer b, int off) {
        byte[] n = new byte[11];
        b.get(off, n);
        return new DirectoryEntry(n, b.get(off + 11) & 0xFF, b.get(off + 12) & 0xFF, b.get(off + 13) & 0xFF,
                b.getShort(off + 14) & 0xFFFF, b.getShort(off + 16) & 0xFFFF, b.getShort(off + 18) & 0xFFFF,
                b.getShort(off + 22) & 0xFFFF, b.getShort(off + 24) & 0xFFFF,
                ((long) (b.getShort(off + 20) & 0xFFFF) << 16) | (b.getShort(off + 26) & 0xFFFF),
                Integer.toUnsignedLong(b.getInt(off + 28)));
    }

    /** Writes the entry at {@code off} of a little-endian buffer. */
    public void write(ByteBuffer b, int off) {
        b.put(off, name);
        b.put(off + 11, (byte) attributes);
        b.put(off + 12, (byte) caseFlags);
        b.put(off + 13, (byte) createTenMs);
        b.putShort(off + 14, (short) createTime);
        b.putShort(off + 16, (short) createDate);
        b.putShort(off + 18, (short) accessDate);
        b.putShort(off + 20, (short) (firstCluster >>> 16));
        b.putShort(off + 22, (short) modifyTime);
        b.putShort(off + 24, (short) modifyDate);
        b.putShort(off + 26, (short) firstCluster);
        b.putInt(off + 28, (int) size);
    }

    public byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        write(b, 0);
        return b.array();
    }

    /** An entry with all three times taken from the given timestamps. */
    public static DirectoryEntry of(byte[] name, int attributes, int caseFlags, long firstCluster, long size,
                                    Timestamp mtime, Timestamp atime, Timestamp ctime) {
        int[] m = encode(mtime);
        int[] c = encode(ctime);
        int[] a = encode(atime);
        return new DirectoryEntry(name, attributes, caseFlags, c[2], c[1], c[0], a[0], m[1], m[0], firstCluster, size);
    }

    public DirectoryEntry withCluster(long cluster) {
        return new DirectoryEntry(name, attributes, caseFlags, createTenMs, createTime, createDate, accessDate,
                modifyTime, modifyDate, cluster, size);
    }

    public DirectoryEntry withName(byte[] n) {
        return new DirectoryEntry(n, attributes, caseFlags, createTenMs, createTime, createDate, accessDate,
                modifyTime, modifyDate, firstCluster, size);
    }

    public boolean isDirectory() {
        return (attributes & ATTR_DIRECTORY) != 0;
    }

    public boolean isLongNameSlot() {
        return (attributes & 0x3F) == ATTR_LONG_NAME;
    }

    public boolean isVolumeLabel() {
        return (attributes & (ATTR_VOLUME_ID | ATTR_DIRECTORY)) == ATTR_VOLUME_ID && !isLongNameSlot();
    }

    public boolean isReadOnly() {
        return (attributes & ATTR_READ_ONLY) != 0;
    }

    public Timestamp modified() {
        return decode(modifyDate, modifyTime, 0);
    }

    /** Creation time with its 10 ms part; the modification time when no creation date is set. */
    public Timestamp created() {
        return createDate == 0 ? modified() : decode(createDate, createTime, createTenMs);
    }

    public Timestamp accessed() {
        return accessDate == 0 ? modified() : decode(accessDate, 0, 0);
    }

    /**
     * {date, time, tenMs} for a timestamp, clamped into the FAT range; the 2-second time field
     * rounds down and the 10 ms field (0-199) carries the odd second and hundredths.
     */
    static int[] encode(Timestamp t) {
        long s = Math.max(FAT_EPOCH, Math.min(FAT_END + 1, t.seconds()));
        int nanos = t.seconds() < FAT_EPOCH || t.seconds() > FAT_END + 1 ? 0 : t.nanos();
        LocalDateTime d = LocalDateTime.ofEpochSecond(s, 0, ZoneOffset.UTC);
        int date = ((d.getYear() - 1980) << 9) | (d.getMonthValue() << 5) | d.getDayOfMonth();
        int time = (d.getHour() << 11) | (d.getMinute() << 5) | (d.getSecond() / 2);
        int tenMs = (d.getSecond() % 2) * 100 + nanos / 10_000_000;
        return new int[] {date, time, tenMs};
    }

    /** Reads a FAT date and time; impossible values (month 0, hour 25) become the FAT epoch. */
    static Timestamp decode(int date, int time, int tenMs) {
        try {
            LocalDate day = LocalDate.of(1980 + (date >>> 9), (date >>> 5) & 0x0F, date & 0x1F);
            int h = time >>> 11;
            int m = (time >>> 5) & 0x3F;
            int s = (time & 0x1F) * 2;
            if (h > 23 || m > 59 || s > 59 || tenMs > 199) {
                return Timestamp.ofSeconds(day.toEpochDay() * 86400);
            }
            long secs = day.toEpochDay() * 86400 + h * 3600L + m * 60L + s + tenMs / 100;
            return new Timestamp(secs, (tenMs % 100) * 10_000_000);
        } catch (DateTimeException e) {
            return Timestamp.ofSeconds(FAT_EPOCH);
        }
    }
}
