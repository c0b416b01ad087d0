package walt.vpn.fat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import walt.vpn.disk.Storage;
import walt.vpn.tree.InvalidDataException;

/**
 * The 32-byte slots of one directory, loaded whole (a FAT directory is at most 2 MiB): either
 * a cluster chain or the fixed root region of FAT12 and FAT16. Decodes long names into {@link Item}s and
 * writes changed slots back.
 */
final class DirectorySlots {

    static final int MAX_BYTES = 65536 * DirectoryEntry.SIZE;

    /** One named entry: its long name (or 8.3 display name) and the slots it occupies. */
    record Item(String name, DirectoryEntry entry, int firstSlot, int shortSlot) {
    }

    private final Storage storage;
    private final BootSector bs;
    private final FatTable table;
    private final String path;
    /** Null for the fixed root directory of FAT12 and FAT16. */
    private final List<Long> clusters;
    private ByteBuffer data;
    private DirectoryEntry label;

    private DirectorySlots(Storage storage, BootSector bs, FatTable table, String path, List<Long> clusters) {
        this.storage = storage;
        this.bs = bs;
        this.table = table;
        this.path = path;
        this.clusters = clusters;
    }

    static DirectorySlots root(Storage storage, BootSector bs, FatTable table) throws IOException {
        return bs.type().hasFixedRoot()
                ? load(storage, bs, table, "/", null)
                : load(storage, bs, table, "/", table.chain(bs.rootCluster(), "root directory"));
    }

    static DirectorySlots of(Storage storage, BootSector bs, FatTable table, String path, long firstCluster) throws IOException {
        return load(storage, bs, table, path, table.chain(firstCluster, "directory " + path));
    }

    private static DirectorySlots load(Storage storage, BootSector bs, FatTable table, String path, List<Long> clusters)
            throws IOException {
        DirectorySlots d = new DirectorySlots(storage, bs, table, path, clusters == null ? null : new ArrayList<>(clusters));
        long bytes = clusters == null ? bs.rootDirBytes() : (long) clusters.size() * bs.clusterBytes();
        if (bytes > MAX_BYTES + bs.clusterBytes()) {
            throw new InvalidDataException("directory " + path + " is " + bytes + " bytes long, more than FAT allows");
        }
        d.data = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (clusters == null) {
            storage.read(bs.rootDirOffset(), d.data);
        } else {
            for (long c : clusters) {
                ByteBuffer piece = d.data.slice(d.data.position(), bs.clusterBytes());
                storage.read(bs.clusterOffset(c), piece);
                d.data.position(d.data.position() + bs.clusterBytes());
            }
        }
        d.data.clear();
        return d;
    }

    String path() {
        return path;
    }

    boolean isFixedRoot() {
        return clusters == null;
    }

    /** The first cluster, as ".." entries of children name it (0 for the root). */
    long firstClusterForChildren(boolean isRoot) {
        return isRoot || clusters == null ? 0 : clusters.get(0);
    }

    int slotCount() {
        return data.capacity() / DirectoryEntry.SIZE;
    }

    /** The volume label entry seen by the last {@link #items()} call, if any. */
    DirectoryEntry label() {
        return label;
    }

    /** The entries in slot order, "." and ".." and the volume label left out. */
    List<Item> items() {
        List<Item> out = new ArrayList<>();
        String[] parts = null;
        int expect = 0;
        int sum = 0;
        int start = 0;
        label = null;
        for (int i = 0; i < slotCount(); i++) {
            int off = i * DirectoryEntry.SIZE;
            int first = data.get(off) & 0xFF;
            if (first == 0) {
                break;
            }
            if (first == DirectoryEntry.DELETED) {
                parts = null;
                continue;
            }
            int attr = data.get(off + 11) & 0xFF;
            if ((attr & 0x3F) == DirectoryEntry.ATTR_LONG_NAME) {
                LongNameEntry l = LongNameEntry.parse(data, off);
                if (l == null) {
                    parts = null;
                } else if (l.last()) {
                    parts = new String[l.ordinal()];
                    parts[l.ordinal() - 1] = l.text();
                    expect = l.ordinal();
                    sum = l.checksum();
                    start = i;
                } else if (parts != null && l.ordinal() == expect - 1 && l.checksum() == sum) {
                    parts[l.ordinal() - 1] = l.text();
                    expect--;
                } else {
                    parts = null;
                }
                continue;
            }
            DirectoryEntry e = DirectoryEntry.parse(data, off);
            if (e.isVolumeLabel()) {
                if (label == null) {
                    label = e;
                }
                parts = null;
                continue;
            }
            byte[] raw = e.name();
            if (raw[0] == '.' && (raw[1] == ' ' || (raw[1] == '.' && raw[2] == ' '))) {
                parts = null;
                continue;
            }
            String name;
            int firstSlot = i;
            if (parts != null && expect == 1 && LongNameEntry.checksum(raw) == sum) {
                name = String.join("", parts);
                firstSlot = start;
            } else {
                name = ShortName.display(raw, e.caseFlags());
            }
            out.add(new Item(name, e, firstSlot, i));
            parts = null;
        }
        return out;
    }

    Item find(String name) {
        String folded = ShortName.foldCase(name);
        for (Item it : items()) {
            if (ShortName.foldCase(it.name()).equals(folded)) {
                return it;
            }
        }
        return null;
    }

    /** Every 8.3 name in use, as {@link ShortName#key()} strings. */
    java.util.Set<String> shortNames() {
        java.util.Set<String> s = new java.util.HashSet<>();
        for (Item it : items()) {
            s.add(ShortName.key(it.entry().name()));
        }
        return s;
    }

    /** Marks the slots of an item deleted (0xE5), long name slots too. */
    void delete(Item it) throws IOException {
        for (int i = it.firstSlot(); i <= it.shortSlot(); i++) {
            data.put(i * DirectoryEntry.SIZE, (byte) DirectoryEntry.DELETED);
        }
        writeBack(it.firstSlot(), it.shortSlot());
    }

    /** Adds a name: its long name slots (if needed) and short entry, growing the directory. */
    void add(String name, ShortName sn, DirectoryEntry entry) throws IOException {
        List<byte[]> slots = new ArrayList<>();
        if (sn.needsLongName()) {
            for (LongNameEntry l : LongNameEntry.forName(name, LongNameEntry.checksum(sn.bytes()))) {
                slots.add(l.toBytes());
            }
        }
        slots.add(entry.toBytes());
        int at = findFree(slots.size());
        while (at < 0) {
            grow();
            at = findFree(slots.size());
        }
        for (int k = 0; k < slots.size(); k++) {
            data.put((at + k) * DirectoryEntry.SIZE, slots.get(k));
        }
        writeBack(at, at + slots.size() - 1);
    }

    /** The earliest run of n free slots; safe with the 0x00 end marker, which only moves later. */
    private int findFree(int n) {
        int run = 0;
        for (int i = 0; i < slotCount(); i++) {
            int first = data.get(i * DirectoryEntry.SIZE) & 0xFF;
            if (first == 0 || first == DirectoryEntry.DELETED) {
                if (++run == n) {
                    return i - n + 1;
                }
            } else {
                run = 0;
            }
        }
        return -1;
    }

    private void grow() throws IOException {
        if (clusters == null) {
            throw new InvalidDataException("the " + bs.type().name() + " root directory is full (" + bs.rootEntryCount() + " entries)");
        }
        if ((long) data.capacity() + bs.clusterBytes() > MAX_BYTES) {
            throw new InvalidDataException("directory " + path + " is full (65536 entries)");
        }
        long c = table.extend(clusters.get(clusters.size() - 1), "directory " + path);
        clusters.add(c);
        ByteBuffer bigger = ByteBuffer.allocate(data.capacity() + bs.clusterBytes()).order(ByteOrder.LITTLE_ENDIAN);
        bigger.put(data.duplicate().clear());
        bigger.clear();
        data = bigger;
        storage.write(bs.clusterOffset(c), ByteBuffer.allocate(bs.clusterBytes()));
    }

    private void writeBack(int fromSlot, int toSlot) throws IOException {
        int from = fromSlot * DirectoryEntry.SIZE;
        int to = (toSlot + 1) * DirectoryEntry.SIZE;
        if (clusters == null) {
            storage.write(bs.rootDirOffset() + from, data.slice(from, to - from));
            return;
        }
        int cb = bs.clusterBytes();
        for (int k = from / cb; k <= (to - 1) / cb; k++) {
            storage.write(bs.clusterOffset(clusters.get(k)), data.slice(k * cb, cb));
        }
    }
}
