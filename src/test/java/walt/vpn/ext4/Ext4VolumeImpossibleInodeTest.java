package walt.vpn.ext4;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.disk.ImageFile;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.RegularFile;

/**
 * Inodes no filesystem can hold (sizes past what their mapping addresses, blocks outside the
 * filesystem, extents out of order), made with debugfs on mke2fs -d images and confirmed by
 * e2fsck -fn, are refused with one line naming the inode and its path; legitimate holes and
 * preallocated blocks past the end of a file still read.
 */
class Ext4VolumeImpossibleInodeTest {

    @TempDir
    static Path work;

    static Path src;
    static byte[] data;

    @BeforeAll
    static void source() throws Exception {
        src = Files.createDirectories(work.resolve("src"));
        Files.createDirectories(src.resolve("etc"));
        Files.writeString(src.resolve("etc/hostname"), "node\n");
        data = new byte[40_000];
        new Random(5).nextBytes(data);
        Files.write(src.resolve("etc/data"), data);
        // Two extents with a hole between them.
        try (FileChannel ch = FileChannel.open(src.resolve("etc/two"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap("first".getBytes()), 0);
            ch.write(ByteBuffer.wrap("second".getBytes()), 1_000_000);
        }
    }

    private Path image(String name, String options) throws Exception {
        return Mke2fsImages.make(src, work.resolve(name), options, "32M");
    }

    @Test
    void sizeNearTwoToTheSixtyFour() throws Exception {
        Path img = image("huge.img", "-t ext4 -b 4096");
        long ino = Mke2fsImages.inodeOf(img, "/etc/data");
        Mke2fsImages.debugfsWrite(img, "sif /etc/data size 0xFFFFFFFFFFFFF000");
        Mke2fsImages.assertE2fsckComplains(img);
        Mke2fsImages.assertRejected(img, "inode " + ino + " (/etc/data)", "impossible size 18446744073709547520");
    }

    @Test
    void sizeBeyondWhatExtentsAddress() throws Exception {
        Path img = image("extents.img", "-t ext4 -b 4096");
        long ino = Mke2fsImages.inodeOf(img, "/etc/data");
        // 2^32 blocks of 4 KiB: one byte more than a 32-bit logical block number reaches.
        Mke2fsImages.debugfsWrite(img, "sif /etc/data size 0x100000000000");
        Mke2fsImages.assertE2fsckComplains(img);
        Mke2fsImages.assertRejected(img, "inode " + ino + " (/etc/data)", "impossible size", "extent tree");
    }

    @Test
    void sizeBeyondWhatABlockMapAddresses() throws Exception {
        Path img = image("ext2.img", "-t ext2 -b 4096");
        long ino = Mke2fsImages.inodeOf(img, "/etc/data");
        Mke2fsImages.debugfsWrite(img, "sif /etc/data size 0x80000000000");
        Mke2fsImages.assertE2fsckComplains(img);
        Mke2fsImages.assertRejected(img, "inode " + ino + " (/etc/data)", "impossible size", "block map");
    }

    @Test
    void extentOutsideTheFilesystem() throws Exception {
        Path img = image("outside.img", "-t ext4 -b 4096");
        long ino = Mke2fsImages.inodeOf(img, "/etc/data");
        // i_block words 3-5 are the first extent: logical start, length and high bits, low physical bits.
        Mke2fsImages.debugfsWrite(img, "sif /etc/data block[5] 0x7FFFFF00");
        Mke2fsImages.assertE2fsckComplains(img);
        Mke2fsImages.assertRejected(img, "inode " + ino + " (/etc/data)", "outside the filesystem");
    }

    @Test
    void blockMapPointerOutsideTheFilesystem() throws Exception {
        Path img = image("ext2-outside.img", "-t ext2 -b 4096");
        long ino = Mke2fsImages.inodeOf(img, "/etc/data");
        Mke2fsImages.debugfsWrite(img, "sif /etc/data block[2] 0x7FFFFF00");
        Mke2fsImages.assertE2fsckComplains(img);
        Mke2fsImages.assertRejected(img, "inode " + ino + " (/etc/data)", "outside the filesystem");
    }

    @Test
    void overlappingExtents() throws Exception {
        Path img = image("overlap.img", "-t ext4 -b 4096");
        long ino = Mke2fsImages.inodeOf(img, "/etc/two");
        String stat = Mke2fsImages.debugfs(img, "stat /etc/two");
        assertTrue(stat.contains("(0):") && stat.contains("(244):"), stat);
        // The second extent's logical start (i_block word 6) moved onto the first one's block.
        Mke2fsImages.debugfsWrite(img, "sif /etc/two block[6] 0");
        Mke2fsImages.assertE2fsckComplains(img);
        Mke2fsImages.assertRejected(img, "inode " + ino + " (/etc/two)", "extent tree inconsistent");
    }

    @Test
    void holesAndPreallocatedBlocksPastTheEndStillRead() throws Exception {
        Path img = image("legit.img", "-t ext4 -b 4096");
        // Unwritten extents past i_size, as fallocate --keep-size leaves them.
        Mke2fsImages.debugfsWrite(img, "fallocate /etc/data 10 60");
        String stat = Mke2fsImages.debugfs(img, "stat /etc/data");
        assertTrue(stat.contains("[u]"), stat);
        Mke2fsImages.assertE2fsckClean(img);
        try (ImageFile f = ImageFile.openReadOnly(img)) {
            FileTree tree = Ext4Volume.open(f).readTree();
            assertArrayEquals(data, ((RegularFile) tree.lookup("/etc/data")).content().readAll());
            byte[] two = ((RegularFile) tree.lookup("/etc/two")).content().readAll();
            assertEquals(1_000_006, two.length);
            assertEquals("second", new String(two, 1_000_000, 6));
            assertEquals(0, two[500_000]);
        }
    }
}
