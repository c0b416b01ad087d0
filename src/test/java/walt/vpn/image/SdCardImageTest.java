package walt.vpn.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.disk.ImageFile;
import walt.vpn.disk.PartitionedImage;
import walt.vpn.ext4.Ext4Volume;
import walt.vpn.testing.Tools;
import walt.vpn.tree.BytesContent;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.Metadata;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.Timestamp;

class SdCardImageTest {

    private static final Timestamp T = Timestamp.ofSeconds(1_700_000_000L);

    @TempDir
    Path dir;

    private static FileTree tree(String path, String text) {
        FileTree t = FileTree.empty(T);
        t.put(path, new RegularFile(Metadata.of(0644, T), BytesContent.of(text)), Metadata.of(0755, T));
        return t;
    }

    @Test
    void bootAndRootPartitionsAreCleanAndNamedByTheirPartuuid() throws Exception {
        Tools.require("sfdisk");
        Tools.require("e2fsck");
        Tools.require("fsck.fat");
        Tools.require("mtype");
        SdCardImage card = new SdCardImage(42, T, 0, 0);
        FileTree boot = tree("/cmdline.txt", "root=PARTUUID=" + card.partUuid(2) + " rootwait\n");
        FileTree root = tree("/etc/fstab", "PARTUUID=" + card.partUuid(2) + " / ext4 defaults 0 1\n");
        Path img = dir.resolve("card.img");
        card.write(boot, root, img);

        assertEquals(0, Files.size(img) % 512);
        Tools.Result dump = Tools.run(List.of("sfdisk", "--dump", img.toString()), dir, 30);
        assertEquals(0, dump.exit(), dump.all());
        String sig = card.partUuid(1).substring(0, 8);
        assertTrue(dump.stdout().contains("label-id: 0x" + sig), dump.stdout());
        assertTrue(dump.stdout().matches("(?s).*start=\\s*8192,.*type=c, bootable.*type=83.*"), dump.stdout());
        assertEquals(sig + "-02", card.partUuid(2));

        try (PartitionedImage p = PartitionedImage.open(ImageFile.openReadOnly(img))) {
            PartitionedImage.Partition b = p.partitions().get(0);
            PartitionedImage.Partition r = p.partitions().get(1);
            assertTrue(b.size() >= SdCardImage.MIN_BOOT_BYTES);
            assertEquals(card.partUuid(2), r.partUuid());
            Tools.Result fat = Tools.run(List.of("fsck.fat", "-n", copyOut(img, b, dir.resolve("boot.fat")).toString()), dir, 60);
            Tools.Result mtype = Tools.run(List.of("mtype", "-i", img + "@@" + b.start(), "::cmdline.txt"), dir, 60, Map.of());
            assertEquals("root=PARTUUID=" + card.partUuid(2) + " rootwait\n", mtype.stdout());
            Path rootCopy = copyOut(img, r, dir.resolve("root.ext4"));
            Tools.Result fsck = Tools.run(List.of("e2fsck", "-fn", rootCopy.toString()), dir, 120);
            assertEquals(0, fsck.exit(), fsck.all());
            try (Ext4Volume v = Ext4Volume.open(p.partition(r.number()))) {
                RegularFile fstab = (RegularFile) v.readTree().lookup("/etc/fstab");
                assertArrayEquals(("PARTUUID=" + card.partUuid(2) + " / ext4 defaults 0 1\n").getBytes(), readAll(fstab));
            }
            assertEquals(0, fat.exit(), fat.all());
        }
    }

    @Test
    void sameSeedSameBytes() throws Exception {
        SdCardImage card = new SdCardImage(7, T, 0, 64L << 20);
        Path a = dir.resolve("a.img");
        Path b = dir.resolve("b.img");
        card.write(tree("/config.txt", "arm_64bit=1\n"), tree("/etc/hostname", "node\n"), a);
        card.write(tree("/config.txt", "arm_64bit=1\n"), tree("/etc/hostname", "node\n"), b);
        assertEquals(-1L, Files.mismatch(a, b));
        assertTrue(new SdCardImage(8, T, 0, 0).partUuid(2).compareTo(card.partUuid(2)) != 0);
    }

    /** The partition as a file of its own, for the fsck tools, which take no offset. */
    private static Path copyOut(Path img, PartitionedImage.Partition part, Path to) throws java.io.IOException {
        try (var in = java.nio.channels.FileChannel.open(img); var out = java.nio.channels.FileChannel.open(to,
                java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            long done = 0;
            while (done < part.size()) {
                done += in.transferTo(part.start() + done, part.size() - done, out);
            }
        }
        return to;
    }

    private static byte[] readAll(RegularFile f) throws java.io.IOException {
        try (var in = java.nio.channels.Channels.newInputStream(f.content().open())) {
            return in.readAllBytes();
        }
    }
}
