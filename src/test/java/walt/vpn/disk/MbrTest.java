package walt.vpn.disk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.testing.Tools;
import walt.vpn.tree.InvalidDataException;

class MbrTest {

    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    private static DiskLayout piLayout(long seed) {
        return DiskLayout.seeded(seed)
                .add(MbrPartitionEntry.TYPE_FAT32_LBA, 256 * MIB, true)
                .add(MbrPartitionEntry.TYPE_LINUX, 1000 * MIB + 1000, false);
    }

    private Path createImage(DiskLayout layout, String name) throws IOException {
        Path target = dir.resolve(name);
        try (AtomicOutput out = new AtomicOutput(target)) {
            try (PartitionedImage img = layout.create(out.tempPath())) {
                // Something for the filesystem writers to have written, at both ends.
                img.partition(1).write(0, ByteBuffer.wrap("boot".getBytes()));
                Storage root = img.partition(2);
                root.write(root.size() - 4, ByteBuffer.wrap("root".getBytes()));
                img.disk().flush();
            }
            out.commit();
        }
        return target;
    }

    @Test
    void layoutIsAlignedAndSfdiskAgrees() throws Exception {
        Tools.require("sfdisk");
        DiskLayout layout = piLayout(42);
        Path img = createImage(layout, "pi.img");
        MbrPartitionTable t = layout.table();
        assertEquals(4 * MIB, t.entry(1).startLba() * 512);
        assertEquals(0, t.entry(2).startLba() * 512 % (4 * MIB), "4 MiB aligned");
        assertEquals(260 * MIB, t.entry(2).startLba() * 512);
        assertEquals((1000 * MIB + 1000 + 511) / 512, t.entry(2).sectorCount(), "size rounded up to a sector");
        assertEquals(0, Files.size(img) % 512);
        assertEquals(t.entry(2).endLba() * 512, Files.size(img), "image ends with the last partition");

        Tools.Result r = Tools.run("sfdisk", "-J", img.toString());
        assertEquals(0, r.exit(), r.all());
        JsonNode pt = new ObjectMapper().readTree(r.stdout()).get("partitiontable");
        assertEquals("dos", pt.get("label").asText());
        assertEquals("0x" + t.diskId(), pt.get("id").asText());
        JsonNode parts = pt.get("partitions");
        assertEquals(2, parts.size());
        assertEquals(t.entry(1).startLba(), parts.get(0).get("start").asLong());
        assertEquals(t.entry(1).sectorCount(), parts.get(0).get("size").asLong());
        assertEquals("c", parts.get(0).get("type").asText());
        assertTrue(parts.get(0).path("bootable").asBoolean());
        assertEquals(t.entry(2).startLba(), parts.get(1).get("start").asLong());
        assertEquals(t.entry(2).sectorCount(), parts.get(1).get("size").asLong());
        assertEquals("83", parts.get(1).get("type").asText());
        assertFalse(parts.get(1).path("bootable").asBoolean());

        Tools.Result f = Tools.run("fdisk", "-l", img.toString());
        assertEquals(0, f.exit(), f.all());
        assertEquals("", f.stderr());
        assertFalse(f.stdout().toLowerCase().contains("warn") || f.stdout().contains("does not end"), f.stdout());

        Tools.require("blkid");
        Tools.Result b = Tools.run("blkid", "-p", "-o", "value", "-s", "PTUUID", img.toString());
        assertEquals(t.diskId(), b.stdout().trim());
    }

    @Test
    void readsWhatSfdiskWrote() throws Exception {
        Tools.require("sfdisk");
        Path img = dir.resolve("sf.img");
        try (var ch = java.nio.channels.FileChannel.open(img, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(1), 20L * 1024 * MIB - 1);
        }
        Path script = dir.resolve("script");
        // The second partition lies beyond CHS reach, so its CHS fields saturate.
        Files.writeString(script, "label: dos\nlabel-id: 0xdeadbeef\nstart=8192, size=16384, type=c, bootable\n"
                + "start=40000000, size=100000, type=83\n");
        Tools.Result r = Tools.run(List.of("sh", "-c", "sfdisk -q " + img + " < " + script), null, 60);
        assertEquals(0, r.exit(), r.all());
        byte[] theirs;
        MbrPartitionTable t;
        try (ImageFile f = ImageFile.openReadOnly(img)) {
            assertTrue(MbrPartitionTable.looksLikeMbr(f));
            t = MbrPartitionTable.read(f);
            theirs = f.readBytes(0, 512);
        }
        assertEquals(List.of(new MbrPartitionEntry(1, true, 0x0C, 8192, 16384), new MbrPartitionEntry(2, false, 0x83, 40000000, 100000)),
                t.entries());
        assertEquals("deadbeef-02", t.partUuid(2));
        assertArrayEquals(theirs, t.toSector(), "we write the same bytes as sfdisk, CHS included");
    }

    @Test
    void imageIsSparseAndPaddedToPowerOfTwo() throws Exception {
        DiskLayout layout = piLayout(7).padToPowerOfTwo(true);
        assertEquals(2048 * MIB, layout.imageSize());
        Path img = createImage(layout, "pow2.img");
        assertEquals(2048 * MIB, Files.size(img));
        Tools.Result st = Tools.run("stat", "-c", "%b %B", img.toString());
        String[] blocks = st.stdout().trim().split(" ");
        long allocated = Long.parseLong(blocks[0]) * Long.parseLong(blocks[1]);
        assertTrue(allocated <= 64 * 1024, "only the written blocks are allocated: " + allocated);
        try (ImageFile f = ImageFile.openReadOnly(img); PartitionedImage p = PartitionedImage.open(f)) {
            assertEquals(2, p.partitions().size());
            PartitionedImage.Partition root = p.partitions().get(1);
            assertEquals(String.format("%08x-02", layout.table().diskSignature()), root.partUuid());
            assertEquals("root", new String(p.partition(2).readBytes(root.size() - 4, 4)));
            assertEquals("boot", new String(p.partition(1).readBytes(0, 4)));
            InvalidDataException none = assertThrows(InvalidDataException.class, () -> p.partition(3));
            assertEquals("no partition 3 in this image (partitions: [1, 2])", none.getMessage());
            assertThrows(InvalidDataException.class, () -> p.table().partitionStorage(f, 5));
            assertEquals(p.partition(2).size(), p.table().partitionStorage(f, 2).size());
        }
    }

    @Test
    void writeToGivesSlicesOfEachPartition() throws Exception {
        DiskLayout layout = DiskLayout.seeded(3).add(MbrPartitionEntry.TYPE_FAT32_LBA, 5 * MIB, true)
                .add(MbrPartitionEntry.TYPE_LINUX, 3 * MIB + 512, false).padToPowerOfTwo(true);
        assertEquals(16 * MIB, layout.imageSize(), "4 + 5 -> 12 MiB aligned + 3 MiB -> 15.0x MiB -> 16 MiB");
        Storage disk = new MemoryStorage(layout.imageSize());
        List<Storage> parts = layout.writeTo(disk);
        assertEquals(List.of(5 * MIB, 3 * MIB + 512), parts.stream().map(Storage::size).toList());
        parts.get(1).write(0, ByteBuffer.wrap(new byte[] {42}));
        assertEquals(42, disk.readBytes(12 * MIB, 1)[0], "partition 2 starts at the next 4 MiB boundary");
        assertEquals(layout.table(), MbrPartitionTable.read(disk));
        assertThrows(IllegalArgumentException.class, () -> layout.writeTo(new MemoryStorage(8 * MIB)));
    }

    @Test
    void sameSeedSameSignatureOtherSeedOther() {
        assertEquals(piLayout(1).table(), piLayout(1).table());
        assertFalse(piLayout(1).table().diskSignature() == piLayout(2).table().diskSignature());
    }

    private static byte[] mbr(int sig, MbrPartitionEntry... es) {
        return new MbrPartitionTable(sig, List.of(es)).toSector();
    }

    private static MbrPartitionEntry linux(int number, long start, long count) {
        return new MbrPartitionEntry(number, false, 0x83, start, count);
    }

    private static Storage disk(byte[] sector0, long size) throws IOException {
        Storage s = new MemoryStorage(size);
        s.write(0, ByteBuffer.wrap(sector0));
        return s;
    }

    @Test
    void badMbrsAreRejectedCleanly() throws IOException {
        long size = 64 * MIB;
        byte[] overlap = mbr(1, linux(1, 2048, 10000), linux(2, 8000, 100));
        byte[] beyond = mbr(1, linux(1, 2048, size / 512));
        byte[] badSig = mbr(1, linux(1, 2048, 100));
        badSig[511] = 0x55;
        byte[] badStatus = mbr(1, linux(1, 2048, 100));
        badStatus[446] = 0x12;
        byte[] gpt = mbr(0, new MbrPartitionEntry(1, false, 0xEE, 1, size / 512 - 1));
        String[][] cases = {{"overlap", "MBR partitions 1 and 2 overlap"}, {"beyond", "lies outside the image"},
            {"badSig", "0x55AA"}, {"badStatus", "bad status byte"}, {"gpt", "GPT partition table"}};
        byte[][] sectors = {overlap, beyond, badSig, badStatus, gpt};
        for (int i = 0; i < cases.length; i++) {
            Storage d = disk(sectors[i], size);
            InvalidDataException e = assertThrows(InvalidDataException.class, () -> PartitionedImage.open(d), cases[i][0]);
            assertTrue(e.getMessage().contains(cases[i][1]), cases[i][0] + ": " + e.getMessage());
        }
    }

    @Test
    void bareFilesystemsAreNotMistakenForMbrs() throws Exception {
        Tools.require("mkfs.vfat");
        Path fat = dir.resolve("fat.img");
        try (var ch = java.nio.channels.FileChannel.open(fat, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(1), 64 * MIB - 1);
        }
        assertEquals(0, Tools.run("mkfs.vfat", "-F", "32", fat.toString()).exit());
        Tools.require("mkfs.ext4");
        Path ext = dir.resolve("ext.img");
        assertEquals(0, Tools.run("mkfs.ext4", "-q", ext.toString(), "16M").exit());
        try (ImageFile f = ImageFile.openReadOnly(fat); ImageFile e = ImageFile.openReadOnly(ext)) {
            assertEquals(0x55, f.readBytes(510, 1)[0], "a FAT boot sector ends with 0x55AA too");
            assertFalse(MbrPartitionTable.looksLikeMbr(f), "FAT32 volume");
            assertFalse(MbrPartitionTable.looksLikeMbr(e), "ext4 volume");
        }
        assertTrue(MbrPartitionTable.looksLikeMbr(disk(mbr(5, linux(1, 2048, 100)), 4 * MIB)));
        assertFalse(MbrPartitionTable.looksLikeMbr(new MemoryStorage(4 * MIB)));
        byte[] junkStatus = mbr(5, linux(1, 2048, 100));
        junkStatus[446 + 16] = 0x37;
        assertFalse(MbrPartitionTable.looksLikeMbr(disk(junkStatus, 4 * MIB)), "status bytes other than 0x00/0x80");
    }

    /** Storage in memory for small synthetic disks. */
    static final class MemoryStorage implements Storage {
        private final ByteBuffer bytes;

        MemoryStorage(long size) {
            bytes = ByteBuffer.allocate((int) size);
        }

        @Override
        public long size() {
            return bytes.capacity();
        }

        @Override
        public void read(long position, ByteBuffer dst) {
            dst.put(bytes.duplicate().position((int) position).limit((int) position + dst.remaining()));
        }

        @Override
        public void write(long position, ByteBuffer src) {
            bytes.duplicate().position((int) position).put(src);
        }

        @Override
        public void close() {
        }
    }

    @Test
    void randomTablesSurviveEncodeAndParse() throws IOException {
        java.util.Random rnd = new java.util.Random(11);
        for (int round = 0; round < 500; round++) {
            List<MbrPartitionEntry> entries = new java.util.ArrayList<>();
            long next = 1 + rnd.nextInt(5000);
            for (int n = 1; n <= 4; n++) {
                if (rnd.nextInt(4) == 0) {
                    continue;
                }
                long count = 1 + (long) (rnd.nextDouble() * (rnd.nextBoolean() ? 100_000 : 1_000_000_000L));
                entries.add(new MbrPartitionEntry(n, rnd.nextBoolean(), 1 + rnd.nextInt(0xED), next, count));
                next += count + rnd.nextInt(10_000);
            }
            MbrPartitionTable t = new MbrPartitionTable(rnd.nextInt(), entries);
            assertEquals(t, MbrPartitionTable.parse(t.toSector(), next * 512), "round " + round);
        }
    }
}
