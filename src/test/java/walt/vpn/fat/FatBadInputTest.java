package walt.vpn.fat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import walt.vpn.disk.ImageFile;
import walt.vpn.testing.GeneratedContent;
import walt.vpn.tree.BytesContent;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.FilesystemSummary;
import walt.vpn.tree.InvalidDataException;
import walt.vpn.tree.Metadata;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.Timestamp;

/** Corrupt and hostile images: a one-line InvalidDataException, quickly, never a hang or OOM. */
class FatBadInputTest {

    @TempDir
    Path tmp;

    static final Timestamp T = Timestamp.ofSeconds(1_700_000_000L);
    /** FSI_Free_Count's offset in the FSInfo sector (Microsoft's FAT specification, section 5). */
    private static final int FSINFO_FREE_COUNT = 488;
    Path good;
    BootSector bs;

    @BeforeEach
    void makeGoodImage() throws Exception {
        FileTree tree = FileTree.empty(T);
        tree.put("/dir/file.bin", new RegularFile(Metadata.of(0644, T), GeneratedContent.dense(1, 5000)), Metadata.of(0755, T));
        tree.put("/small", new RegularFile(Metadata.of(0644, T), BytesContent.of("x")), Metadata.of(0755, T));
        FatWriter w = new FatWriter(FatOptions.defaults());
        good = tmp.resolve("good.img");
        try (ImageFile f = ImageFile.createSparse(good, w.sizeFor(tree))) {
            w.write(tree, f);
        }
        try (ImageFile f = ImageFile.openReadOnly(good)) {
            bs = FatVolume.open(f).bootSector();
        }
    }

    /** Opens, reads the tree and every file; returns the exception's message. */
    private static String readEverything(Path img) {
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> readAll(img));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e.getMessage();
    }

    private static void readAll(Path img) throws IOException {
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            try (ImageFile f = ImageFile.openReadOnly(img); FatVolume v = FatVolume.open(f)) {
                v.summary();
                FileTree t = v.readTree();
                IOException[] failure = new IOException[1];
                t.walk((p, n) -> {
                    if (failure[0] == null && n instanceof RegularFile r) {
                        try {
                            r.content().readAll();
                        } catch (IOException e) {
                            failure[0] = e;
                        }
                    }
                });
                if (failure[0] != null) {
                    throw failure[0];
                }
            }
        });
    }

    private Path patched(String name, long offset, byte[] bytes) throws IOException {
        Path p = tmp.resolve(name);
        Files.copy(good, p);
        try (ImageFile f = ImageFile.openReadWrite(p)) {
            f.write(offset, ByteBuffer.wrap(bytes));
        }
        return p;
    }

    private static byte[] le32(long v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array();
    }

    private static byte[] le16(int v) {
        return ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) v).array();
    }

    /** The first cluster of a path, through the reader (the image is our own and sound). */
    private long firstCluster(String dir, String name) throws IOException {
        try (ImageFile f = ImageFile.openReadOnly(good); FatVolume v = FatVolume.open(f)) {
            FatTable t = FatTable.read(f, v.bootSector());
            DirectorySlots d = DirectorySlots.root(f, v.bootSector(), t);
            if (dir != null) {
                d = DirectorySlots.of(f, v.bootSector(), t, dir, d.find(dir.substring(1)).entry().firstCluster());
            }
            return d.find(name).entry().firstCluster();
        }
    }

    @Test
    void soundImageReads() throws Exception {
        readAll(good);
    }

    @Test
    void truncatedImage() throws Exception {
        for (long len : new long[] {0, 100, 512, Files.size(good) / 2, Files.size(good) - 512}) {
            Path p = tmp.resolve("trunc-" + len);
            try (var in = Files.newInputStream(good)) {
                Files.write(p, in.readNBytes((int) len));
            }
            String msg = readEverything(p);
            assertTrue(len < 512 ? msg.contains("FAT") : msg.contains("truncated"), msg);
        }
    }

    @Test
    void randomBytes() throws Exception {
        Random rnd = new Random(1);
        for (int i = 0; i < 50; i++) {
            byte[] junk = new byte[1 << 20];
            rnd.nextBytes(junk);
            if (i % 2 == 0) {
                // Past the signature check, into the BPB checks.
                junk[510] = 0x55;
                junk[511] = (byte) 0xAA;
                junk[11] = 0;
                junk[12] = 2;
            }
            Path p = tmp.resolve("junk-" + i);
            Files.write(p, junk);
            readEverything(p);
        }
    }

    @Test
    void fuzzedMetadataNeverEscapesAsAnotherException() throws Exception {
        Random rnd = new Random(2);
        long metaEnd = bs.clusterOffset(2) + 4 * bs.clusterBytes();
        Path p = tmp.resolve("fuzz.img");
        Files.copy(good, p);
        for (int i = 0; i < 300; i++) {
            java.util.List<long[]> undo = new java.util.ArrayList<>();
            try (ImageFile f = ImageFile.openReadWrite(p)) {
                for (int k = 0; k < 1 + rnd.nextInt(20); k++) {
                    // Hit the BPB, the FAT start and the first directories most of the time.
                    long[] areas = {0, bs.fatOffset(0), bs.clusterOffset(2), rnd.nextLong(metaEnd)};
                    long at = Math.min(areas[rnd.nextInt(areas.length)] + rnd.nextInt(96), metaEnd);
                    undo.add(new long[] {at, f.readBytes(at, 1)[0]});
                    f.write(at, ByteBuffer.wrap(new byte[] {(byte) rnd.nextInt()}));
                }
            }
            try {
                readAll(p);
            } catch (InvalidDataException e) {
                assertEquals(1, e.getMessage().lines().count(), e.getMessage());
            }
            try (ImageFile f = ImageFile.openReadWrite(p)) {
                for (int k = undo.size() - 1; k >= 0; k--) {
                    f.write(undo.get(k)[0], ByteBuffer.wrap(new byte[] {(byte) undo.get(k)[1]}));
                }
            }
        }
        assertEquals(-1, Files.mismatch(good, p), "fuzzing restored every byte");
    }

    @Test
    void fatChainLoop() throws Exception {
        long c = firstCluster("/dir", "file.bin");
        long last = c + (5000 + bs.clusterBytes() - 1) / bs.clusterBytes() - 1;
        String msg = readEverything(patched("loop.img", bs.fatOffset(0) + last * 4, le32(c)));
        assertTrue(msg.contains("loop"), msg);
    }

    @Test
    void directoryChainLoop() throws Exception {
        // The root's single cluster links back to itself.
        String msg = readEverything(patched("rootloop.img", bs.fatOffset(0) + 2 * 4, le32(2)));
        assertTrue(msg.contains("loop"), msg);
    }

    @Test
    void directoryPointingAtAnAncestor() throws Exception {
        long dir = firstCluster(null, "dir");
        // Find /dir's entry in the root cluster and point it at the root itself.
        byte[] root = Files.readAllBytes(good);
        int at = -1;
        for (int off = (int) bs.clusterOffset(2); off < bs.clusterOffset(2) + bs.clusterBytes(); off += 32) {
            if (root[off] == 'D' && root[off + 1] == 'I' && root[off + 2] == 'R') {
                at = off;
            }
        }
        assertTrue(at > 0 && dir > 2);
        String msg = readEverything(patched("dirloop.img", at + 26, le16(2)));
        assertTrue(msg.contains("loop"), msg);
    }

    @Test
    void clusterPastTheEnd() throws Exception {
        long c = firstCluster("/dir", "file.bin");
        String msg = readEverything(patched("past.img", bs.fatOffset(0) + c * 4, le32(bs.clusterCount() + 100)));
        assertTrue(msg.contains("outside"), msg);
        long small = firstCluster(null, "small");
        assertTrue(small > 0);
        // A directory entry whose first cluster lies beyond the volume.
        byte[] all = Files.readAllBytes(good);
        int at = -1;
        for (int off = (int) bs.clusterOffset(2); off < bs.clusterOffset(2) + bs.clusterBytes(); off += 32) {
            if (all[off] == 'S' && all[off + 1] == 'M' && all[off + 2] == 'A') {
                at = off;
            }
        }
        String msg2 = readEverything(patched("past2.img", at + 20, le16(0x0FFF)));
        assertTrue(msg2.contains("outside"), msg2);
    }

    @Test
    void absurdBootSectorValues() throws Exception {
        Object[][] cases = {
            {13, new byte[] {3}, "sectors per cluster"},
            {11, le16(0), "bytes per sector"},
            {16, new byte[] {0}, "FAT copies"},
            {32, le32(0xFFFFFFFFL), "truncated"},
            {36, le32(0x7FFFFFFF), "fill the whole volume"},
            {44, le32(0x0FFFFFF0), "root cluster"},
            {14, le16(0), "reserved"},
            {510, le16(0), "signature"},
        };
        for (Object[] c : cases) {
            String msg = readEverything(patched("bpb-" + c[0] + ".img", (int) c[0], (byte[]) c[1]));
            assertTrue(msg.contains((String) c[2]), msg);
        }
    }

    @Test
    void hugeClusterCountsAreRefusedBeforeAllocating() throws Exception {
        // 48 GiB of holes whose boot sector claims ~100M one-sector clusters: a 400 MB FAT array.
        Path p = tmp.resolve("huge.img");
        long total = 100_000_000L;
        long fat = (total / 128) + 10;
        try (ImageFile f = ImageFile.createSparse(p, 48L << 30)) {
            f.write(0, ByteBuffer.wrap(BootSector.fat32(total, 1, fat, 1, "HUGE").toBytes()));
        }
        String msg = readEverything(p);
        assertTrue(msg.contains("larger than supported"), msg);
    }

    /**
     * FSInfo's free count is a hint (0xFFFFFFFF: unknown) and may exceed the clusters on a
     * damaged image; the summary counts the FAT itself, so its figures stay possible.
     */
    @Test
    void fsInfoFreeCountIsOnlyAHint() throws Exception {
        FilesystemSummary sound;
        try (ImageFile f = ImageFile.openReadOnly(good); FatVolume v = FatVolume.open(f)) {
            sound = v.summary();
        }
        assertTrue(sound.usageKnown() && sound.problems().isEmpty(), sound.toString());
        for (long hint : new long[] {bs.clusterCount() + 1000, FsInfo.UNKNOWN}) {
            Path p = patched("hint-" + hint + ".img", (long) bs.fsInfoSector() * bs.bytesPerSector() + FSINFO_FREE_COUNT, le32(hint));
            try (ImageFile f = ImageFile.openReadOnly(p); FatVolume v = FatVolume.open(f)) {
                FilesystemSummary s = v.summary();
                assertEquals(sound, s);
            }
        }
    }

    /** The fsck oracle itself can fail: a wrong FSInfo free count is reported. */
    @Test
    void fsckOracleCatchesAWrongFreeCount() throws Exception {
        Path p = patched("fsinfo.img", 512 + 488, le32(12345));
        assertThrows(AssertionFailedError.class, () -> FatImages.assertFsckClean(p));
        FatImages.assertFsckClean(good);
    }

}
