package walt.vpn.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.image.output.BlockMapFile;
import walt.vpn.testing.Tools;

/** The card writer on a loop device over a zeroed file: cmp is the oracle. */
class BlockDeviceWriterTest {

    static final int MIB = 1 << 20;
    /** Not a multiple of 4 KiB: the last block is cut short. */
    static final long IMAGE_SIZE = 7L * MIB + 1000;

    @TempDir
    Path dir;
    Path image;

    @BeforeEach
    void requireLoopDevices() throws IOException {
        Tools.requireRoot();
        Tools.require("losetup");
        image = dir.resolve("card.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(IMAGE_SIZE);
            Random random = new Random(17);
            data(f, random, 0, 8192);                               // the partition table's blocks
            data(f, random, 64 * 1024 + 100, 10);                   // a block with a few bytes
            data(f, random, MIB + 4096, 9 * MIB / 2);               // across a 4 MiB chunk boundary
            data(f, random, IMAGE_SIZE - 1000, 1000);               // the cut last block
        }
    }

    static void data(RandomAccessFile f, Random random, long at, int length) throws IOException {
        byte[] b = new byte[length];
        random.nextBytes(b);
        f.seek(at);
        f.write(b);
    }

    Path zeroedBacking(long size) throws IOException {
        Path backing = dir.resolve("backing-" + size);
        try (RandomAccessFile f = new RandomAccessFile(backing.toFile(), "rw")) {
            f.setLength(size);
        }
        return backing;
    }

    @Test
    void writesTheMappedRangesAndTheCardReadsBackAsTheImage() throws Exception {
        List<MappedRange> ranges = BlockMapFile.byteRanges(image);
        assertEquals(4, ranges.size(), ranges.toString());
        long mapped = ranges.stream().mapToLong(MappedRange::length).sum();
        try (LoopDevice loop = LoopDevice.attach(zeroedBacking(8L * MIB))) {
            AtomicLong read = new AtomicLong();
            AtomicLong verified = new AtomicLong();
            assertEquals(ranges, BlockDeviceWriter.write(image, loop.path, read::addAndGet), "the block map's ranges");
            BlockDeviceWriter.verify(image, ranges, loop.path, verified::addAndGet);
            assertEquals(IMAGE_SIZE, read.get());
            assertEquals(mapped, verified.get());
            // The device was zeros, so holes equal the image's too: the whole image compares.
            Tools.Result cmp = Tools.run("cmp", "-n", Long.toString(IMAGE_SIZE), image.toString(), loop.path.toString());
            assertEquals(0, cmp.exit(), cmp.all());
        }
    }

    /** Told where the data can be, the writer reads only there and finds the same map. */
    @Test
    void candidateRangesAreAllThatIsReadAndGiveTheSameMap() throws Exception {
        List<MappedRange> whole = BlockMapFile.byteRanges(image);
        // Around the data, unaligned, with holes inside and between: no other byte is data.
        List<MappedRange> candidates = List.of(new MappedRange(0, 100 * 1024), new MappedRange(MIB, 5L * MIB + 10),
                new MappedRange(IMAGE_SIZE - 5000, 5000));
        try (LoopDevice loop = LoopDevice.attach(zeroedBacking(8L * MIB))) {
            AtomicLong read = new AtomicLong();
            List<MappedRange> ranges = BlockDeviceWriter.write(image, candidates, loop.path, read::addAndGet);
            assertEquals(whole, ranges, "the block map's ranges");
            assertTrue(read.get() < IMAGE_SIZE - MIB, "the hole between the candidates is read: " + read.get());
            BlockDeviceWriter.verify(image, ranges, loop.path, n -> { });
            Tools.Result cmp = Tools.run("cmp", "-n", Long.toString(IMAGE_SIZE), image.toString(), loop.path.toString());
            assertEquals(0, cmp.exit(), cmp.all());
            assertThrows(IllegalArgumentException.class, () -> BlockDeviceWriter.write(image,
                    List.of(new MappedRange(MIB, MIB), new MappedRange(0, 4096)), loop.path, n -> { }), "out of order");
        }
    }

    @Test
    void holesKeepWhatTheCardHeldAsBmaptoolDoes() throws Exception {
        Path backing = zeroedBacking(8L * MIB);
        try (RandomAccessFile f = new RandomAccessFile(backing.toFile(), "rw")) {
            f.seek(3L * 4096);
            f.write(new byte[] {1, 2, 3}); // in a hole of the image
        }
        try (LoopDevice loop = LoopDevice.attach(backing)) {
            List<MappedRange> ranges = BlockDeviceWriter.write(image, loop.path, n -> { });
            BlockDeviceWriter.verify(image, ranges, loop.path, n -> { });
            Tools.Result cmp = Tools.run("cmp", "-n", Long.toString(IMAGE_SIZE), image.toString(), loop.path.toString());
            // cmp counts from 1: the first differing byte is the old card's, at 3 * 4096.
            assertTrue(cmp.stdout().contains(" differ: ") && cmp.stdout().contains(" " + (3 * 4096 + 1) + ","), cmp.all());
        }
    }

    @Test
    void verificationCatchesACardThatDoesNotHoldWhatWasWritten() throws Exception {
        try (LoopDevice loop = LoopDevice.attach(zeroedBacking(8L * MIB))) {
            List<MappedRange> ranges = BlockDeviceWriter.write(image, loop.path, n -> { });
            try (FileChannel dev = FileChannel.open(loop.path, StandardOpenOption.WRITE)) {
                dev.write(ByteBuffer.wrap(new byte[] {0x55}), 2L * MIB); // inside the third range
                dev.force(true);
            }
            IOException e = assertThrows(IOException.class, () -> BlockDeviceWriter.verify(image, ranges, loop.path, n -> { }));
            MappedRange bad = ranges.get(2);
            assertEquals("verification failed: byte " + 2 * MIB + " read back from " + loop.path
                    + " differs from card.img (a failing card?)", e.getMessage());
            assertTrue(bad.offset() < 2 * MIB && 2 * MIB < bad.end());
        }
    }

    @Test
    void aCardIsNotPassedOffAsAnImageChangedAfterWriting() throws Exception {
        try (LoopDevice loop = LoopDevice.attach(zeroedBacking(8L * MIB))) {
            List<MappedRange> ranges = BlockDeviceWriter.write(image, loop.path, n -> { });
            try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
                f.seek(10);
                int b = f.readByte();
                f.seek(10);
                f.write(~b);
            }
            List<MappedRange> changed = BlockMapFile.byteRanges(image);
            assertEquals(ranges, changed);
            IOException e = assertThrows(IOException.class, () -> BlockDeviceWriter.verify(image, changed, loop.path, n -> { }));
            assertEquals("verification failed: byte 10 read back from " + loop.path + " differs from card.img (a failing card?)",
                    e.getMessage());
        }
    }
}
