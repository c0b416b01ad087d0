package walt.vpn.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.testing.Tools;

/** Each refusal before a card is overwritten, on loop devices where the kernel is the oracle. */
class DeviceCheckTest {

    static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    Path zeroed(String name, long size) throws IOException {
        Path f = dir.resolve(name);
        try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
            r.setLength(size);
        }
        return f;
    }

    static String refusal(Executable e) {
        String m = assertThrows(IllegalArgumentException.class, e).getMessage();
        assertFalse(m.contains("\n"), m);
        return m;
    }

    @Test
    void aRegularFileIsNotACard() throws IOException {
        Path f = zeroed("card.img", MIB);
        assertEquals(f + " is not a block device (give the card's, e.g. /dev/sdb or /dev/mmcblk0)", refusal(() -> BlockDevice.of(f)));
    }

    @Test
    void aLoopDeviceIsDescribedAsTheKernelSeesIt() throws Exception {
        Tools.requireRoot();
        Tools.require("losetup");
        try (LoopDevice loop = LoopDevice.attach(zeroed("backing", 8 * MIB))) {
            BlockDevice dev = BlockDevice.of(loop.path);
            assertEquals(loop.path.getFileName().toString(), dev.name());
            assertEquals(8 * MIB, dev.size());
            assertFalse(dev.removable(), "loop devices report removable 0");
            assertEquals(dev.name(), dev.model(), "a loop device reports no model");
            assertEquals("0.0 GB", dev.sizeText());
            DeviceCheck.check(dev, 8 * MIB, true); // the whole device, forced: nothing to refuse
        }
    }

    @Test
    void aNonRemovableDiskNeedsForce() throws Exception {
        Tools.requireRoot();
        Tools.require("losetup");
        try (LoopDevice loop = LoopDevice.attach(zeroed("backing", 8 * MIB))) {
            BlockDevice dev = BlockDevice.of(loop.path);
            assertEquals(loop.path + " (" + dev.name() + ", 0.0 GB) is not a removable disk: add --force if it is the card",
                    refusal(() -> DeviceCheck.check(dev, MIB, false)));
        }
    }

    @Test
    void aDeviceSmallerThanTheImageIsRefused() throws Exception {
        Tools.requireRoot();
        Tools.require("losetup");
        try (LoopDevice loop = LoopDevice.attach(zeroed("backing", MIB))) {
            BlockDevice dev = BlockDevice.of(loop.path);
            assertEquals(loop.path + " is too small: 1048576 bytes for an image of 1052672",
                    refusal(() -> DeviceCheck.check(dev, MIB + 4096, true)));
        }
    }

    @Test
    void aMountedDeviceIsRefusedEvenWithForce() throws Exception {
        Tools.requireRoot();
        Tools.require("losetup");
        Tools.require("mkfs.ext2"); // ext2, not the card's FAT: any kernel that runs the tests mounts it
        Tools.require("mount");
        try (LoopDevice loop = LoopDevice.attach(zeroed("backing", 8 * MIB))) {
            assertEquals(0, Tools.run("mkfs.ext2", "-q", "-F", loop.path.toString()).exit());
            Path point = Files.createDirectory(dir.resolve("mounted card"));
            Tools.Result m = Tools.run("mount", loop.path.toString(), point.toString());
            assertEquals(0, m.exit(), m.all());
            try {
                BlockDevice dev = BlockDevice.of(loop.path);
                assertEquals(loop.path + " is mounted at " + point + ": unmount it first",
                        refusal(() -> DeviceCheck.check(dev, MIB, true)));
            } finally {
                assertEquals(0, Tools.run("umount", point.toString()).exit());
            }
        }
    }

    /** A disk as sysfs would describe sda with two partitions. */
    static BlockDevice sda(boolean removable) {
        return new BlockDevice(Path.of("/dev/sda"), "sda", 16_000_000_000L, removable, "Cruzer", List.of("8:0", "8:1", "8:2"),
                List.of("/dev/sda", "/dev/sda1", "/dev/sda2"), List.of());
    }

    @Test
    void aDiskHoldingTheRootIsNamedSo() {
        List<String> mountinfo = List.of(
                "22 1 8:2 / / rw,relatime shared:1 - ext4 /dev/sda2 rw",
                "23 22 0:21 / /proc rw shared:2 - proc proc rw");
        assertEquals("/dev/sda holds / (the running system)", refusal(() -> DeviceCheck.check(sda(true), MIB, true, mountinfo)));
    }

    @Test
    void aPartitionMountedFromAnotherNumberIsFoundByItsSource() {
        // btrfs reports an anonymous device number: the source still names the partition.
        List<String> mountinfo = List.of("40 22 0:45 / /media/my\\040card rw shared:9 - btrfs /dev/sda1 rw");
        assertEquals("/dev/sda is mounted at /media/my card: unmount it first",
                refusal(() -> DeviceCheck.check(sda(true), MIB, true, mountinfo)));
    }

    @Test
    void aDiskUnderDeviceMapperIsRefused() {
        BlockDevice held = new BlockDevice(Path.of("/dev/sda"), "sda", 16_000_000_000L, true, "Cruzer", List.of("8:0"),
                List.of("/dev/sda"), List.of("dm-0"));
        assertEquals("/dev/sda is in use by dm-0", refusal(() -> DeviceCheck.check(held, MIB, false, List.of())));
    }

    @Test
    void anUnmountedRemovableCardPasses() {
        DeviceCheck.check(sda(true), 16_000_000_000L, false, List.of("22 1 8:16 / / rw - ext4 /dev/sdb1 rw"));
    }

    @Test
    void withoutATerminalOnlyYesWrites() {
        assertEquals("no terminal to ask \"write rpi3bp-vpn.img to /dev/sda (Cruzer, 16.0 GB)? [y/N]\": add --yes to write to /dev/sda",
                refusal(() -> DeviceCheck.confirm(sda(true), Path.of("rpi3bp-vpn.img"), false, null)));
        DeviceCheck.confirm(sda(true), Path.of("rpi3bp-vpn.img"), true, null);
        assertTrue(true);
    }
}
