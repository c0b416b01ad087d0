package walt.vpn.fat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import walt.vpn.disk.Storage;
import walt.vpn.tree.InvalidDataException;

/**
 * The file allocation table: one entry per cluster, each naming the next cluster of its chain,
 * end of chain, free (0) or bad. Held in memory (4 bytes per cluster, bounded by the volume
 * size) and written back to every FAT copy. FAT12 packs two entries into three bytes, so its
 * entries straddle bytes and sectors; its table is at most 6 KiB and is read whole.
 */
public final class FatTable {

    private static final int IO_CHUNK = 1 << 20;
    private static final int MASK = 0x0FFFFFFF;
    private static final int FAT12_MASK = 0xFFF;
    private static final int FAT12_NIBBLE = 4;
    /** The two bytes a FAT12 entry touches. */
    private static final int FAT12_SPAN = 2;
    static final long MAX_ENTRIES = 1L << 26;

    private final FatType type;
    private final int[] entries;
    private final long clusterCount;
    private int dirtyFrom = Integer.MAX_VALUE;
    private int dirtyTo = -1;
    /**
     * Every cluster below this one is in use: searches for free clusters start here instead of
     * walking again over the used start of the volume (a 256 MiB boot partition has half a
     * million entries). Freeing a cluster moves it back.
     */
    private int usedBelow = 2;

    /** An empty table: the two reserved entries set, every cluster free. */
    public FatTable(FatType type, long clusterCount, int media) {
        this.type = type;
        this.clusterCount = clusterCount;
        this.entries = new int[(int) (clusterCount + 2)];
        entries[0] = type.mediaEntry(media);
        // Entry 1: end of chain with the "clean" and "no I/O error" bits set.
        entries[1] = type.endOfChain();
        markDirty(0, entries.length - 1);
    }

    private FatTable(FatType type, int[] entries, long clusterCount) {
        this.type = type;
        this.entries = entries;
        this.clusterCount = clusterCount;
    }

    /** Reads the active FAT copy of a volume whose boot sector has been checked. */
    public static FatTable read(Storage storage, BootSector bs) throws IOException {
        long count = bs.clusterCount() + 2;
        if (count > MAX_ENTRIES) {
            // 2 TiB with 32 KiB clusters; beyond, the in-memory table would break the memory budget.
            throw new InvalidDataException("FAT of " + bs.clusterCount() + " clusters is larger than supported ("
                    + MAX_ENTRIES + ")");
        }
        int copy = (bs.extFlags() & 0x80) != 0 ? bs.extFlags() & 0x0F : 0;
        if (copy >= bs.fatCount()) {
            throw new InvalidDataException("active FAT " + copy + " does not exist (" + bs.fatCount() + " FATs)");
        }
        int[] entries = new int[(int) count];
        long base = bs.fatOffset(copy);
        if (bs.type() == FatType.FAT12) {
            byte[] raw = storage.readBytes(base, (int) FatType.FAT12.bytesFor(count));
            for (int i = 0; i < count; i++) {
                entries[i] = unpack12(raw, 0, i);
            }
            return new FatTable(bs.type(), entries, bs.clusterCount());
        }
        int width = bs.type().entryBits() / Byte.SIZE;
        ByteBuffer buf = ByteBuffer.allocate(IO_CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        int i = 0;
        while (i < count) {
            int n = (int) Math.min(IO_CHUNK / width, count - i);
            buf.clear().limit(n * width);
            storage.read(base + (long) i * width, buf);
            buf.flip();
            if (width == 4) {
                // FAT32 keeps the top 4 bits of each entry as they are (reserved, to be preserved).
                buf.asIntBuffer().get(entries, i, n);
            } else {
                for (int k = 0; k < n; k++) {
                    entries[i + k] = buf.getShort() & 0xFFFF;
                }
            }
            i += n;
        }
        return new FatTable(bs.type(), entries, bs.clusterCount());
    }

    /** Writes the changed part of the table to every FAT copy. */
    public void write(Storage storage, BootSector bs) throws IOException {
        if (dirtyTo < 0) {
            return;
        }
        if (type == FatType.FAT12) {
            writeFat12(storage, bs);
            return;
        }
        int width = type.entryBits() / Byte.SIZE;
        ByteBuffer buf = ByteBuffer.allocate(IO_CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        // Whole sectors, so that a mkfs image's bytes beyond the last entry are left alone.
        int perSector = bs.bytesPerSector() / width;
        int from = dirtyFrom / perSector * perSector;
        int to = dirtyTo + 1;
        for (int copy = 0; copy < bs.fatCount(); copy++) {
            long base = bs.fatOffset(copy);
            for (int i = from; i < to; ) {
                int n = Math.min(IO_CHUNK / width, to - i);
                buf.clear();
                if (width == 4) {
                    buf.asIntBuffer().put(entries, i, n);
                    buf.position(n * width);
                } else {
                    for (int k = 0; k < n; k++) {
                        buf.putShort((short) entries[i + k]);
                    }
                }
                buf.flip();
                storage.write(base + (long) i * width, buf);
                i += n;
            }
        }
        dirtyFrom = Integer.MAX_VALUE;
        dirtyTo = -1;
    }

    /**
     * FAT12's changed entries, into the bytes they share with their neighbours: each copy's
     * bytes are read and only the changed entries' nibbles replaced, so an entry beside the
     * changed range (or the unused half byte after the last entry) keeps what the copy held.
     */
    private void writeFat12(Storage storage, BootSector bs) throws IOException {
        int from = fat12Offset(dirtyFrom);
        int to = fat12Offset(dirtyTo) + FAT12_SPAN;
        for (int copy = 0; copy < bs.fatCount(); copy++) {
            long base = bs.fatOffset(copy);
            byte[] raw = storage.readBytes(base + from, to - from);
            for (int i = dirtyFrom; i <= dirtyTo; i++) {
                pack12(raw, from, i, entries[i]);
            }
            storage.write(base + from, ByteBuffer.wrap(raw));
        }
        dirtyFrom = Integer.MAX_VALUE;
        dirtyTo = -1;
    }

    /** Where FAT12 entry {@code n} starts: 1.5 bytes per entry. */
    private static int fat12Offset(long n) {
        return (int) (n * 3 / 2);
    }

    /** FAT12 entry {@code n} of {@code raw}, which holds the FAT's bytes from {@code rawStart}. */
    private static int unpack12(byte[] raw, int rawStart, long n) {
        int at = fat12Offset(n) - rawStart;
        int pair = (raw[at] & 0xFF) | (raw[at + 1] & 0xFF) << Byte.SIZE;
        // An even entry is the low 12 bits of its two bytes, an odd one the high 12 bits.
        return n % 2 == 0 ? pair & FAT12_MASK : pair >>> FAT12_NIBBLE;
    }

    /** Sets FAT12 entry {@code n} in {@code raw}, leaving the neighbour's half of the shared byte. */
    private static void pack12(byte[] raw, int rawStart, long n, int value) {
        int at = fat12Offset(n) - rawStart;
        int pair = (raw[at] & 0xFF) | (raw[at + 1] & 0xFF) << Byte.SIZE;
        pair = n % 2 == 0
                ? pair & ~FAT12_MASK | value & FAT12_MASK
                : pair & (1 << FAT12_NIBBLE) - 1 | (value & FAT12_MASK) << FAT12_NIBBLE;
        raw[at] = (byte) pair;
        raw[at + 1] = (byte) (pair >>> Byte.SIZE);
    }

    /**
     * The whole FAT region of one copy as bytes, for the writer's single pass; the tail of the
     * last sectors beyond the last entry is zero.
     */
    void writeFullCopy(Storage storage, long offset, long fatBytes) throws IOException {
        if (type == FatType.FAT12) {
            // FatWriter makes FAT32 only; FAT12 tables are edited through write().
            throw new IllegalStateException("the FAT writer does not make FAT12");
        }
        int width = type.entryBits() / Byte.SIZE;
        ByteBuffer buf = ByteBuffer.allocate(IO_CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        long pos = 0;
        int i = 0;
        while (pos < fatBytes) {
            buf.clear();
            int room = (int) Math.min(IO_CHUNK, fatBytes - pos);
            buf.limit(room);
            if (width == 4) {
                int n = Math.min(buf.remaining() / width, entries.length - i);
                buf.asIntBuffer().put(entries, i, n);
                buf.position(buf.position() + n * width);
                i += n;
            } else {
                while (buf.remaining() >= width && i < entries.length) {
                    buf.putShort((short) entries[i++]);
                }
            }
            while (buf.hasRemaining()) {
                buf.put((byte) 0);
            }
            buf.flip();
            storage.write(offset + pos, buf);
            pos += room;
        }
        dirtyFrom = Integer.MAX_VALUE;
        dirtyTo = -1;
    }

    public FatType type() {
        return type;
    }

    public long clusterCount() {
        return clusterCount;
    }

    public boolean isValidCluster(long c) {
        return c >= 2 && c <= clusterCount + 1;
    }

    public int get(long cluster) {
        return entries[(int) cluster] & MASK;
    }

    /** Sets an entry's value; on FAT32 the top 4 reserved bits are kept. */
    public void set(long cluster, int value) {
        entries[(int) cluster] = (entries[(int) cluster] & ~MASK) | value;
        markDirty((int) cluster, (int) cluster);
        if (value == 0 && cluster < usedBelow) {
            usedBelow = (int) cluster;
        }
    }

    /** The first free cluster from {@link #usedBelow} on, which it moves up to; the table's length when none is free. */
    private int firstFree() {
        while (usedBelow < entries.length && get(usedBelow) != 0) {
            usedBelow++;
        }
        return usedBelow;
    }

    private void markDirty(int from, int to) {
        dirtyFrom = Math.min(dirtyFrom, from);
        dirtyTo = Math.max(dirtyTo, to);
    }

    /** Links {@code count} clusters from {@code first} into one contiguous chain. */
    public void setContiguousChain(long first, long count) {
        for (long c = first; c < first + count - 1; c++) {
            entries[(int) c] = (int) (c + 1);
        }
        entries[(int) (first + count - 1)] = type.endOfChain();
        markDirty((int) first, (int) (first + count - 1));
    }

    /**
     * The clusters of the chain starting at {@code first}, checked: every link in range, no
     * free or bad cluster inside, no loop (a chain cannot be longer than the volume).
     */
    public List<Long> chain(long first, String what) throws InvalidDataException {
        List<Long> out = new ArrayList<>();
        long c = first;
        while (true) {
            if (!isValidCluster(c)) {
                throw new InvalidDataException(what + ": cluster " + c + " outside the volume (2.." + (clusterCount + 1) + ")");
            }
            out.add(c);
            if (out.size() > clusterCount) {
                throw new InvalidDataException(what + ": cluster chain loops (at cluster " + c + ")");
            }
            int next = get(c);
            if (type.isEndOfChain(next)) {
                return out;
            }
            if (next == 0) {
                throw new InvalidDataException(what + ": cluster chain runs into free cluster " + c);
            }
            if (next == type.badCluster()) {
                throw new InvalidDataException(what + ": cluster chain runs into bad cluster " + c);
            }
            c = Integer.toUnsignedLong(next);
        }
    }

    /** Clusters first to first + count - 1, consecutive in a chain. */
    public record ClusterRun(long first, long count) {
    }

    /**
     * The first {@code limit} clusters of a chain as runs of consecutive clusters, checked
     * like {@link #chain} but without a list entry per cluster, so a 4 GiB file costs a few
     * runs, not millions of boxed numbers. Returns fewer clusters than {@code limit} when the
     * chain ends earlier; the rest of the chain is still walked to detect loops.
     */
    public List<ClusterRun> runs(long first, long limit, String what) throws InvalidDataException {
        List<ClusterRun> runs = new ArrayList<>();
        long runFirst = first;
        long runCount = 0;
        long c = first;
        long steps = 0;
        long taken = 0;
        while (true) {
            if (!isValidCluster(c)) {
                throw new InvalidDataException(what + ": cluster " + c + " outside the volume (2.." + (clusterCount + 1) + ")");
            }
            if (++steps > clusterCount) {
                throw new InvalidDataException(what + ": cluster chain loops (at cluster " + c + ")");
            }
            if (taken < limit) {
                if (runCount > 0 && runFirst + runCount != c) {
                    runs.add(new ClusterRun(runFirst, runCount));
                    runCount = 0;
                }
                if (runCount == 0) {
                    runFirst = c;
                }
                runCount++;
                taken++;
            }
            int next = get(c);
            if (type.isEndOfChain(next)) {
                if (runCount > 0) {
                    runs.add(new ClusterRun(runFirst, runCount));
                }
                return runs;
            }
            if (next == 0) {
                throw new InvalidDataException(what + ": cluster chain runs into free cluster " + c);
            }
            if (next == type.badCluster()) {
                throw new InvalidDataException(what + ": cluster chain runs into bad cluster " + c);
            }
            c = Integer.toUnsignedLong(next);
        }
    }

    /** Frees every cluster of a chain (already validated by {@link #chain}). */
    public void free(List<Long> chain) {
        for (long c : chain) {
            set(c, 0);
        }
    }

    public long freeCount() {
        long n = 0;
        for (int i = 2; i < entries.length; i++) {
            if ((entries[i] & MASK) == 0) {
                n++;
            }
        }
        return n;
    }

    /** The first free cluster at or after {@code from} (wrapping), or -1 when the volume is full. */
    public long nextFree(long from) {
        long start = Math.max(isValidCluster(from) ? from : 2, firstFree());
        for (long c = start; c < entries.length; c++) {
            if (get(c) == 0) {
                return c;
            }
        }
        for (long c = firstFree(); c < start; c++) {
            if (get(c) == 0) {
                return c;
            }
        }
        return -1;
    }

    /**
     * Allocates {@code count} clusters as one chain, contiguous when a free run that long
     * exists (so the data is written in big sequential pieces), scattered otherwise.
     */
    public List<Long> allocate(long count, String what) throws IOException {
        List<Long> out = new ArrayList<>();
        if (count <= 0) {
            return out;
        }
        long runStart = -1;
        long runLen = 0;
        for (long c = firstFree(); c < entries.length; c++) {
            if (get(c) == 0) {
                if (runLen == 0) {
                    runStart = c;
                }
                if (++runLen == count) {
                    break;
                }
            } else {
                runLen = 0;
            }
        }
        if (runLen == count) {
            for (long c = runStart; c < runStart + count; c++) {
                out.add(c);
            }
        } else {
            for (long c = firstFree(); c < entries.length && out.size() < count; c++) {
                if (get(c) == 0) {
                    out.add(c);
                }
            }
            if (out.size() < count) {
                throw new InvalidDataException("no space left on the FAT volume for " + what + ": needs " + count
                        + " clusters, " + out.size() + " free");
            }
        }
        for (int k = 0; k < out.size(); k++) {
            set(out.get(k), k + 1 < out.size() ? (int) (long) out.get(k + 1) : type.endOfChain());
        }
        return out;
    }

    /** Appends one free cluster to the chain ending at {@code last}; returns it. */
    public long extend(long last, String what) throws IOException {
        long c = nextFree(last + 1);
        if (c < 0) {
            throw new InvalidDataException("no space left on the FAT volume for " + what);
        }
        set(c, type.endOfChain());
        set(last, (int) c);
        return c;
    }
}
