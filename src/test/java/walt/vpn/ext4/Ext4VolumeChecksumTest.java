package walt.vpn.ext4;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.nio.file.StandardOpenOption;
import java.nio.channels.FileChannel;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * metadata_csum images made by mke2fs -d with one byte changed where only a checksum notices
 * (e2fsck -fn confirms): each is refused, naming the inode, its path and the damaged block.
 */
class Ext4VolumeChecksumTest {

    static final int BLOCK = 4096;
    /** Where a dx_root's index entries start: after ".", "..", the root info; each entry is 8 bytes. */
    static final int DX_ROOT_ENTRIES = 32;
    static final int DX_ENTRY_SIZE = 8;

    @TempDir
    static Path work;

    static Path src;

    @BeforeAll
    static void source() throws Exception {
        src = Files.createDirectories(work.resolve("src"));
        Files.createDirectories(src.resolve("etc/many"));
        Files.writeString(src.resolve("etc/hostname"), "node\n");
        // Twelve runs with holes between them: more extents than i_block holds, so a leaf block.
        try (FileChannel ch = FileChannel.open(src.resolve("etc/frag"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int i = 0; i < 12; i++) {
                ch.write(ByteBuffer.wrap("x".repeat(BLOCK).getBytes()), i * 10L * BLOCK);
            }
        }
        Files.writeString(src.resolve("etc/attrs"), "v\n");
        UserDefinedFileAttributeView xattrs = Files.getFileAttributeView(src.resolve("etc/attrs"), UserDefinedFileAttributeView.class);
        // Too big for the inode body: it goes to an xattr block.
        xattrs.write("big", ByteBuffer.wrap("a".repeat(600).getBytes()));
        for (int i = 0; i < 400; i++) {
            Files.writeString(src.resolve("etc/many/entry-with-a-long-name-" + i), "");
        }
    }

    private Path image(String name) throws Exception {
        Path img = Mke2fsImages.make(src, work.resolve(name), "-t ext4 -b 4096", "32M");
        Mke2fsImages.assertE2fsckClean(img);
        return img;
    }

    private static void flip(Path img, long offset) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ 0x01);
        }
    }

    private static long number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), regex + " in " + text);
        return Long.parseLong(m.group(1));
    }

    @Test
    void inode() throws Exception {
        Path img = image("inode.img");
        long ino = Mke2fsImages.inodeOf(img, "/etc/hostname");
        String imap = Mke2fsImages.debugfs(img, "imap /etc/hostname");
        long block = number(imap, "located at block (\\d+)");
        long offset = Long.parseLong(imap.replaceAll("(?s).*offset 0x([0-9a-f]+).*", "$1").trim(), 16);
        // The access time's low byte: nothing but the checksum says it changed.
        flip(img, block * BLOCK + offset + 0x08);
        assertTrue(Mke2fsImages.assertE2fsckComplains(img).contains("checksum"));
        Mke2fsImages.assertRejected(img, "inode " + ino + " (/etc/hostname): checksum mismatch");
    }

    @Test
    void directoryLeafBlock() throws Exception {
        Path img = image("dir.img");
        long ino = Mke2fsImages.inodeOf(img, "/etc");
        long block = Long.parseLong(Mke2fsImages.debugfs(img, "blocks /etc").trim().split("\\s+")[0]);
        byte[] raw = Files.readAllBytes(img);
        int at = indexOf(raw, (int) (block * BLOCK), "hostname");
        flip(img, at + 1);
        assertTrue(Mke2fsImages.assertE2fsckComplains(img).contains("checksum"));
        Mke2fsImages.assertRejected(img, "inode " + ino + " (/etc): directory block 0: checksum mismatch");
    }

    @Test
    void htreeIndexBlock() throws Exception {
        Path img = image("htree.img");
        // mke2fs -d writes linear directories; e2fsck -D indexes those of more than one block.
        walt.vpn.testing.Tools.run("e2fsck", "-fyD", img.toString());
        Mke2fsImages.assertE2fsckClean(img);
        long ino = Mke2fsImages.inodeOf(img, "/etc/many");
        assertTrue(Mke2fsImages.debugfs(img, "stat /etc/many").contains("Flags: 0x81000"), "an indexed directory");
        Mke2fsImages.readAll(img);
        long root = Long.parseLong(Mke2fsImages.debugfs(img, "blocks /etc/many").trim().split("\\s+")[0]);
        // The hash of the root's second index entry (after ".", "..", the root info and count/limit).
        flip(img, root * BLOCK + DX_ROOT_ENTRIES + DX_ENTRY_SIZE);
        assertTrue(Mke2fsImages.assertE2fsckComplains(img).contains("checksum"));
        Mke2fsImages.assertRejected(img, "inode " + ino + " (/etc/many): htree index block 0: checksum mismatch");
    }

    @Test
    void extentBlock() throws Exception {
        Path img = image("extent.img");
        long ino = Mke2fsImages.inodeOf(img, "/etc/frag");
        long leaf = number(Mke2fsImages.debugfs(img, "stat /etc/frag"), "\\(ETB0\\):(\\d+)");
        // A byte of the 12th extent's physical block number.
        flip(img, leaf * BLOCK + ExtentHeader.SIZE + 11 * Extent.SIZE + 8);
        assertTrue(Mke2fsImages.assertE2fsckComplains(img).contains("checksum"));
        Mke2fsImages.assertRejected(img, "inode " + ino + " (/etc/frag): extent block " + leaf + ": checksum mismatch");
    }

    @Test
    void xattrBlock() throws Exception {
        Path img = image("xattr.img");
        long ino = Mke2fsImages.inodeOf(img, "/etc/attrs");
        long block = number(Mke2fsImages.debugfs(img, "stat /etc/attrs"), "File ACL: (\\d+)");
        // The value's last byte, at the block's end.
        flip(img, block * BLOCK + BLOCK - 1);
        assertTrue(Mke2fsImages.assertE2fsckComplains(img).contains("checksum"));
        Mke2fsImages.assertRejected(img, "inode " + ino + " (/etc/attrs): xattr block " + block + ": checksum mismatch");
    }

    /** A bit of group 0's block or inode bitmap: what only its checksum and e2fsck's recount notice. */
    @ParameterizedTest
    @CsvSource({"Block, block, 1000", "Inode, inode, 200"})
    void bitmap(String dumpe2fsName, String which, int byteInBitmap) throws Exception {
        Path img = image(which + "-bitmap.img");
        long block = number(dumpe2fs(img), dumpe2fsName + " bitmap at (\\d+)");
        flip(img, block * BLOCK + byteInBitmap);
        assertTrue(Mke2fsImages.assertE2fsckComplains(img).contains("bitmap"));
        Mke2fsImages.assertRejected(img, "group 0: " + which + " bitmap (block " + block + "): checksum mismatch");
    }

    private static String dumpe2fs(Path img) throws Exception {
        walt.vpn.testing.Tools.Result r = walt.vpn.testing.Tools.run("dumpe2fs", img.toString());
        return r.stdout();
    }

    @Test
    void theUndamagedImageReads() throws Exception {
        Mke2fsImages.readAll(image("clean.img"));
    }

    private static int indexOf(byte[] raw, int from, String what) {
        byte[] w = what.getBytes();
        outer:
        for (int i = from; i < from + BLOCK; i++) {
            for (int k = 0; k < w.length; k++) {
                if (raw[i + k] != w[k]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError(what + " not in block at " + from);
    }
}
