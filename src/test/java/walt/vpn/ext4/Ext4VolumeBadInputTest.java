package walt.vpn.ext4;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.disk.ImageFile;
import walt.vpn.tree.BytesContent;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.InvalidDataException;
import walt.vpn.tree.Metadata;
import walt.vpn.tree.RegularFile;
import walt.vpn.testing.GeneratedContent;

/** Corrupt images end in a one-line InvalidDataException, quickly: never a hang or a heap blow-up. */
class Ext4VolumeBadInputTest {

    @TempDir
    Path dir;

    byte[] good;
    long fileInodeOffset;
    long rootDirBlockOffset;
    int csumSeed;

    @BeforeEach
    void image() throws Exception {
        FileTree t = FileTree.empty(Ext4WriterCasesTest.T);
        t.put("/etc/hostname", new RegularFile(Metadata.of(0644, Ext4WriterCasesTest.T), BytesContent.of("node\n")), Metadata.of(0755, Ext4WriterCasesTest.T));
        t.put("/data", new RegularFile(Metadata.of(0644, Ext4WriterCasesTest.T), GeneratedContent.dense(1, 100_000)), Metadata.of(0755, Ext4WriterCasesTest.T));
        Path img = Ext4WriterTest.write(t, dir.resolve("good.img"), 1);
        good = Files.readAllBytes(img);
        try (ImageFile f = ImageFile.openReadOnly(img)) {
            Ext4Volume v = Ext4Volume.open(f);
            Superblock sb = v.superblock();
            csumSeed = sb.csumSeed();
            long table = v.groupDescriptors().get(0).inodeTable();
            // /data is the first file after root's children "data" < "etc": inode 12.
            fileInodeOffset = table * sb.blockSize() + 11L * sb.inodeSize();
            Inode root = v.readInode(2);
            rootDirBlockOffset = Extent.decode(ByteBuffer.wrap(root.iBlock()).order(ByteOrder.LITTLE_ENDIAN), 12).physicalBlock() * sb.blockSize();
        }
    }

    /** The damage is all that is wrong: inode 12's checksum is made to match again. */
    private byte[] inodeChecksummed(byte[] b) {
        int at = (int) fileInodeOffset;
        byte[] raw = Arrays.copyOfRange(b, at, at + 256);
        int crc = Inode.checksum(raw, 256, csumSeed, 12, ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getInt(0x64));
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putShort(at + 0x7C, (short) crc).putShort(at + 0x82, (short) (crc >>> 16));
        return b;
    }

    private byte[] rootBlockChecksummed(byte[] b) {
        ByteBuffer block = ByteBuffer.wrap(b, (int) rootDirBlockOffset, 4096).slice();
        DirectoryTail.set(block, 4096, Inode.inodeSeed(csumSeed, 2, 0));
        return b;
    }

    private void assertRejected(byte[] image, String expectedWords) throws Exception {
        Path p = Files.write(dir.resolve("bad.img"), image);
        InvalidDataException e = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThrows(InvalidDataException.class, () -> {
            try (ImageFile f = ImageFile.openReadOnly(p)) {
                FileTree tree = Ext4Volume.open(f).readTree();
                // Content is lazy: read it all, as extract would.
                tree.walk((path, n) -> {
                    if (n instanceof RegularFile r) {
                        try {
                            r.content().readAll();
                        } catch (java.io.IOException ex) {
                            throw new java.io.UncheckedIOException(ex);
                        }
                    }
                });
            } catch (java.io.UncheckedIOException u) {
                throw u.getCause();
            }
        }));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().contains(expectedWords), e.getMessage());
    }

    @Test
    void randomBytes() throws Exception {
        byte[] junk = new byte[1 << 20];
        new Random(3).nextBytes(junk);
        assertRejected(junk, "not an ext2/3/4 filesystem");
    }

    @Test
    void truncatedImage() throws Exception {
        assertRejected(Arrays.copyOf(good, 64 * 1024), "truncated");
    }

    @Test
    void superblockChecksum() throws Exception {
        byte[] b = good.clone();
        b[1024 + 0x78] ^= 1; // the volume label: only the checksum notices
        assertRejected(b, "superblock checksum mismatch");
    }

    @Test
    void absurdInodeCount() throws Exception {
        byte[] b = good.clone();
        ByteBuffer sb = ByteBuffer.wrap(b, 1024, 1024).order(ByteOrder.LITTLE_ENDIAN);
        sb.putInt(1024, -1);
        sb.putInt(1024 + 0x3FC, Crc32c.update(~0, b, 1024, 0x3FC));
        assertRejected(b, "bad inode count");
    }

    @Test
    void corruptExtentHeader() throws Exception {
        byte[] b = good.clone();
        b[(int) fileInodeOffset + 0x28] = 0x55;
        assertRejected(inodeChecksummed(b), "extent header");
    }

    @Test
    void selfReferencingExtentIndex() throws Exception {
        byte[] b = good.clone();
        ByteBuffer ib = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int iBlock = (int) fileInodeOffset + 0x28;
        long loopBlock = good.length / 4096 - 1;
        new ExtentHeader(1, 4, 1).encode(ib, iBlock);
        new ExtentIndex(0, loopBlock).encode(ib, iBlock + 12);
        int node = (int) (loopBlock * 4096);
        new ExtentHeader(1, 340, 1).encode(ib, node);
        new ExtentIndex(0, loopBlock).encode(ib, node + 12);
        ExtentHeader.setChecksum(ByteBuffer.wrap(b, node, 4096).slice(), Inode.inodeSeed(csumSeed, 12, 0));
        assertRejected(inodeChecksummed(b), "extent tree");
    }

    @Test
    void directoryEntryWithZeroLength() throws Exception {
        byte[] b = good.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putShort((int) rootDirBlockOffset + 4, (short) 0);
        assertRejected(rootBlockChecksummed(b), "bad entry");
    }

    @Test
    void directoryEntryPastTheBlock() throws Exception {
        byte[] b = good.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putShort((int) rootDirBlockOffset + 4, (short) 8192);
        assertRejected(rootBlockChecksummed(b), "bad entry");
    }
}
