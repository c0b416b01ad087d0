package walt.vpn.ext4;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import walt.vpn.disk.ImageFile;
import walt.vpn.testing.Tools;
import walt.vpn.testing.TreeAssert;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.HostDirectoryReader;
import walt.vpn.tree.RegularFile;

/**
 * Features mke2fs makes that the reader reads: inline_data (small files, directories and
 * symlinks in the inode), ea_inode (an xattr value in an inode of its own), bigalloc (16 KiB
 * clusters of 4 KiB blocks). Each image of a tree made by mke2fs -d, checked clean by
 * e2fsck -fn, reads back as the tree: owners, modes, content, xattrs, symlinks.
 */
class Ext4VolumeFeaturesTest {

    /** On tmpfs: a host ext4 without ea_inode refuses the 9000-byte attribute the ea_inode image needs. */
    static Path src;
    static byte[] huge;

    @TempDir
    static Path work;

    @BeforeAll
    static void source() throws Exception {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm), "needs /dev/shm (tmpfs) for large xattrs");
        src = Files.createTempDirectory(shm, "ext4-features-");
        Files.createDirectories(src.resolve("etc/tiny"));
        Files.createDirectories(src.resolve("many"));
        Files.writeString(src.resolve("etc/hostname"), "node\n");
        Files.writeString(src.resolve("etc/tiny/a"), "a");
        Files.writeString(src.resolve("medium"), "m".repeat(100));
        Files.writeString(src.resolve("empty"), "");
        byte[] data = new byte[100_000];
        new Random(3).nextBytes(data);
        Files.write(src.resolve("etc/data"), data);
        for (int i = 0; i < 60; i++) {
            Files.writeString(src.resolve("many/file-" + i), Integer.toString(i));
        }
        Files.createSymbolicLink(src.resolve("short"), Path.of("etc/hostname"));
        Files.createSymbolicLink(src.resolve("inline-long"), Path.of("a/".repeat(40) + "target"));
        Files.createSymbolicLink(src.resolve("block-long"), Path.of("b/".repeat(200) + "target"));
        xattr(src.resolve("etc/hostname"), "user.note", "hello".getBytes());
        xattr(src.resolve("etc/data"), "user.mid", "v".repeat(700).getBytes());
        Tools.run("chown", "1000:100", src.resolve("etc/hostname").toString());
        Tools.run("chown", "65534:65534", src.resolve("many/file-7").toString());
        Tools.run("chmod", "0640", src.resolve("medium").toString());
        huge = new byte[9000];
        new Random(4).nextBytes(huge);
        xattr(src.resolve("medium"), "user.huge", huge);
    }

    private static void xattr(Path p, String name, byte[] value) throws IOException {
        UserDefinedFileAttributeView v = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class);
        v.write(name.substring("user.".length()), ByteBuffer.wrap(value));
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (src != null) {
            try (Stream<Path> s = Files.walk(src)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"-O inline_data,ea_inode", "-O bigalloc,ea_inode -C 16384", "-O inline_data,bigalloc,ea_inode -C 16384",
        "-O inline_data,ea_inode,^metadata_csum"})
    void readsTheTreeMke2fsWrote(String features) throws Exception {
        Path img = Mke2fsImages.make(src, work.resolve("img" + features.replaceAll("[^a-z0-9]", "_")), "-t ext4 -b 4096 " + features,
                "64M");
        // mke2fs 1.47.0 -d leaves i_blocks of a file with an xattr value in its own inode without
        // that inode's blocks (which ext4 charges to the file); e2fsck -fy corrects the count only.
        Tools.run("e2fsck", "-fy", img.toString());
        Mke2fsImages.assertE2fsckClean(img);
        if (features.contains("inline_data")) {
            assertTrue(Mke2fsImages.debugfs(img, "stat /etc/tiny").contains("Flags: 0x10000000"), "an inline directory");
            assertTrue(Mke2fsImages.debugfs(img, "stat /inline-long").contains("Flags: 0x10000000"), "an inline symlink");
        }
        assertTrue(Mke2fsImages.debugfs(img, "ea_list /medium").contains("user.huge (9000)"));
        FileTree expected = new HostDirectoryReader(src).keepOwners(true).read();
        try (ImageFile f = ImageFile.openReadOnly(img)) {
            FileTree actual = Ext4Volume.open(f).readTree();
            TreeAssert.assertSameTree(expected, actual,
                    new TreeAssert.Fidelity(true, true, false, false, java.util.Set.of("/", "/lost+found")));
            assertArrayEquals(huge, ((RegularFile) actual.lookup("/medium")).metadata().xattrs().get("user.huge"));
            assertEquals(100, ((RegularFile) actual.lookup("/medium")).content().size());
        }
    }

    /**
     * meta_bg: from the first metagroup on, each block of descriptors sits in its own
     * metagroup, not after the superblock. Sizes that give several such blocks (16 or 32
     * descriptors a 1 KiB block, 64 a 4 KiB one), with and without checksums, sparse_super,
     * sparse_super2; read before by the contiguous rule, each was "checksum mismatch" or wrong.
     */
    @ParameterizedTest
    @ValueSource(strings = {"-b 1024 -O meta_bg,^resize_inode,ea_inode 300M", "-b 1024 -O meta_bg,^resize_inode,ea_inode,^metadata_csum,^64bit 300M",
        "-b 1024 -O meta_bg,^resize_inode,ea_inode,^sparse_super 300M", "-b 4096 -O meta_bg,^resize_inode,ea_inode,sparse_super2 9G"})
    void readsMetaBgDescriptorsFromTheirMetagroups(String optionsAndSize) throws Exception {
        String options = optionsAndSize.substring(0, optionsAndSize.lastIndexOf(' '));
        String size = optionsAndSize.substring(optionsAndSize.lastIndexOf(' ') + 1);
        Path img = Mke2fsImages.make(src, work.resolve("meta-bg" + options.replaceAll("[^a-z0-9]", "_")), "-t ext4 " + options, size);
        Tools.run("e2fsck", "-fy", img.toString());
        Mke2fsImages.assertE2fsckClean(img);
        String header = Tools.run("dumpe2fs", "-h", img.toString()).stdout();
        assertTrue(header.contains("meta_bg"), header);
        FileTree expected = new HostDirectoryReader(src).keepOwners(true).read();
        try (ImageFile f = ImageFile.openReadOnly(img)) {
            Ext4Volume volume = Ext4Volume.open(f);
            assertTrue(volume.superblock().groupCount() > volume.superblock().blockSize() / volume.superblock().descSize(),
                    "two blocks of descriptors at least: the second in its metagroup");
            TreeAssert.assertSameTree(expected, volume.readTree(),
                    new TreeAssert.Fidelity(true, true, false, false, java.util.Set.of("/", "/lost+found")));
        } finally {
            Files.deleteIfExists(img);
        }
    }

    @Test
    void inlineDataShorterThanItsSizeIsRefused() throws Exception {
        Path img = Mke2fsImages.make(src, work.resolve("inline-short.img"), "-t ext4 -b 4096 -O inline_data,ea_inode", "64M");
        Tools.run("e2fsck", "-fy", img.toString());
        long ino = Mke2fsImages.inodeOf(img, "/etc/hostname");
        Mke2fsImages.debugfsWrite(img, "sif /etc/hostname size 5000");
        // e2fsck 1.47 does not check an inline size; debugfs shows the mismatch (and cats 60 bytes of "5000").
        String stat = Mke2fsImages.debugfs(img, "stat /etc/hostname");
        assertTrue(stat.contains("Size: 5000") && stat.contains("Size of inline data: 60"), stat);
        Mke2fsImages.assertRejected(img, "inode " + ino + " (/etc/hostname)", "inline data of 5000 bytes");
    }

    @Test
    void anExtentTreeDeeperThanTheKernelAllowsIsRefused() throws Exception {
        Path img = Mke2fsImages.make(src, work.resolve("deep.img"), "-t ext4 -b 4096 -O ea_inode", "64M");
        Tools.run("e2fsck", "-fy", img.toString());
        long ino = Mke2fsImages.inodeOf(img, "/etc/data");
        // i_block word 1: eh_max (low half) and eh_depth (high half) of the root: depth 6.
        Mke2fsImages.debugfsWrite(img, "sif /etc/data block[1] 0x00060004");
        Mke2fsImages.assertE2fsckComplains(img);
        Mke2fsImages.assertRejected(img, "inode " + ino + " (/etc/data)", "extent tree of depth 6: deeper than ext4 allows (5)");
    }

    /** Linux's XATTR_SIZE_MAX: an entry that claims a larger value in its own inode is damage. */
    @Test
    void anEaInodeValueLargerThanTheKernelAllowsIsRefused() throws Exception {
        Path img = Mke2fsImages.make(src, work.resolve("ea-huge.img"), "-t ext4 -b 4096 -O ea_inode,^metadata_csum", "64M");
        Tools.run("e2fsck", "-fy", img.toString());
        Mke2fsImages.readAll(img);
        long ino = Mke2fsImages.inodeOf(img, "/medium");
        byte[] raw = Files.readAllBytes(img);
        // The entry of user.huge: e_name_len 4, e_name_index 1 (user), then e_value_offs,
        // e_value_inum, e_value_size and e_hash, then the name.
        int at = -1;
        for (int i = 16; i + 4 <= raw.length && at < 0; i++) {
            if (raw[i] == 'h' && raw[i + 1] == 'u' && raw[i + 2] == 'g' && raw[i + 3] == 'e' && raw[i - 16] == 4 && raw[i - 15] == 1) {
                at = i - 16;
            }
        }
        assertTrue(at >= 0, "the entry of user.huge");
        ByteBuffer entry = ByteBuffer.wrap(raw).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(9000, entry.getInt(at + 8), "e_value_size");
        entry.putInt(at + 8, 70_000);
        Files.write(img, raw);
        Mke2fsImages.assertE2fsckComplains(img);
        Mke2fsImages.assertRejected(img, "inode " + ino + " (/medium)", "xattr user.huge: value of 70000 bytes, more than ext4 allows");
    }
}
