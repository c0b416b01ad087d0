package walt.vpn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.image.SdCardImage;
import walt.vpn.testing.Tools;
import walt.vpn.tree.BytesContent;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.Metadata;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.Timestamp;

/** {@code setup-node --device} through the packaged jar, onto a loop device over a zeroed file. */
class SetupNodeDeviceIT {

    static final Timestamp T = Timestamp.ofSeconds(1_700_000_000L);
    static final long CARD = 512L << 20;

    @TempDir
    Path dir;
    Path base;
    Path keys;
    String loop;

    @BeforeEach
    void card() throws Exception {
        Tools.requireRoot();
        Tools.require("losetup");
        Tools.require("ssh-keygen");
        FileTree boot = FileTree.empty(T);
        boot.put("/config.txt", new RegularFile(Metadata.of(0644, T), BytesContent.of("arm_64bit=1\n")), Metadata.of(0755, T));
        FileTree root = FileTree.empty(T);
        root.put("/etc/hostname", new RegularFile(Metadata.of(0644, T), BytesContent.of("node\n")), Metadata.of(0755, T));
        base = dir.resolve("base.img");
        new SdCardImage(3, T, 0, 64L << 20).write(boot, root, base);
        keys = Files.createDirectory(dir.resolve("keys"));
        assertEquals(0, Tools.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", keys.resolve("ssh_host_ed25519_key").toString()).exit());
        Path backing = dir.resolve("card");
        try (RandomAccessFile f = new RandomAccessFile(backing.toFile(), "rw")) {
            f.setLength(CARD);
        }
        Tools.Result r = Tools.run("losetup", "--find", "--show", backing.toString());
        assertEquals(0, r.exit(), r.all());
        loop = r.stdout().strip();
    }

    @AfterEach
    void detach() throws Exception {
        if (loop != null) {
            assertEquals(0, Tools.run("losetup", "-d", loop).exit());
        }
    }

    WaltJar.Run setupNode(String... more) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("vpn", "setup-node", "--base", base.toString(), "--server", "127.0.0.1",
                "--entrypoint", "127.0.0.1", "--server-host-keys", keys.toString(), "--state-dir", dir.resolve("state").toString(),
                "-o", "node.img", "--device", loop));
        args.addAll(List.of(more));
        return WaltJar.run(dir, Map.of(), args.toArray(String[]::new));
    }

    @Test
    void theCardHoldsTheImageReadBackAndVerified() throws Exception {
        WaltJar.Run r = setupNode("--force", "--yes");
        assertEquals(0, r.exit(), r.stderr());
        String name = Path.of(loop).getFileName().toString();
        assertTrue(r.out().contains("wrote node.img to " + loop + " (" + name + ", 0.5 GB): "), r.out());
        assertTrue(r.out().contains(" ranges, read back and verified\n"), r.out());
        assertFalse(r.out().contains("flash it with"), r.out());
        Path image = dir.resolve("node.img");
        Tools.Result cmp = Tools.run("cmp", "-n", Long.toString(Files.size(image)), image.toString(), loop);
        assertEquals(0, cmp.exit(), cmp.all());
    }

    /**
     * With the base's block runs cached beside it (as setup-node's own cache keeps them), the
     * card is written from the base while the image is made, then its boot partition from the
     * image: the card must hold the image all the same.
     */
    @Test
    void writtenFromTheBaseWhileTheImageIsMadeTheCardHoldsTheImage() throws Exception {
        StringBuilder runs = new StringBuilder();
        for (walt.vpn.image.output.BlockMapFile.Range range : walt.vpn.image.output.BlockMapFile.ranges(base)) {
            runs.append(range.first()).append(' ').append(range.last()).append('\n');
        }
        Files.writeString(base.resolveSibling("blocks"), runs);
        // Old bytes on the card at the start of each of the base's ranges: all must be overwritten.
        byte[] old = new byte[512];
        java.util.Arrays.fill(old, (byte) 0x5a);
        try (RandomAccessFile f = new RandomAccessFile(loop, "rw")) {
            for (walt.vpn.disk.MappedRange m : walt.vpn.image.output.BlockMapFile.byteRanges(base)) {
                f.seek(m.offset());
                f.write(old, 0, (int) Math.min(old.length, m.length()));
            }
        }
        WaltJar.Run r = setupNode("--force", "--yes");
        assertEquals(0, r.exit(), r.stderr());
        assertTrue(r.out().contains(" ranges, read back and verified\n"), r.out());
        Path image = dir.resolve("node.img");
        for (walt.vpn.disk.MappedRange m : walt.vpn.image.output.BlockMapFile.byteRanges(image)) {
            Tools.Result cmp = Tools.run("cmp", "-n", Long.toString(m.length()), "-i", m.offset() + ":" + m.offset(), image.toString(), loop);
            assertEquals(0, cmp.exit(), "mapped range " + m + ": " + cmp.all());
        }
    }

    @Test
    void withoutATerminalOrYesNothingIsWritten() throws Exception {
        WaltJar.Run r = setupNode("--force");
        assertEquals(2, r.exit(), r.stderr());
        assertEquals("walt: no terminal to ask \"write node.img to " + loop + " (" + Path.of(loop).getFileName()
                + ", 0.5 GB)? [y/N]\": add --yes to write to " + loop, r.stderr().strip());
        assertFalse(Files.exists(dir.resolve("node.img")), "refused before any work");
        assertZeros();
    }

    @Test
    void aCardSmallerThanTheBaseIsRefusedBeforeAnyWork() throws Exception {
        Tools.run("losetup", "-d", loop);
        Path small = dir.resolve("small");
        try (RandomAccessFile f = new RandomAccessFile(small.toFile(), "rw")) {
            f.setLength(64L << 20);
        }
        loop = Tools.run("losetup", "--find", "--show", small.toString()).stdout().strip();
        WaltJar.Run r = setupNode("--force", "--yes");
        assertEquals(2, r.exit(), r.stderr());
        assertEquals("walt: " + loop + " is too small: " + (64L << 20) + " bytes for an image of " + Files.size(base), r.stderr().strip());
        assertFalse(Files.exists(dir.resolve("node.img")));
    }

    @Test
    void aFixedDiskIsRefusedBeforeAnyWorkWithoutForce() throws Exception {
        WaltJar.Run r = setupNode("--yes");
        assertEquals(2, r.exit(), r.stderr());
        assertEquals("walt: " + loop + " (" + Path.of(loop).getFileName() + ", 0.5 GB) is not a removable disk: add --force if it is the card",
                r.stderr().strip());
        assertFalse(Files.exists(dir.resolve("node.img")));
        assertZeros();
    }

    void assertZeros() throws Exception {
        Tools.Result cmp = Tools.run("cmp", "-n", Long.toString(CARD), loop, "/dev/zero");
        assertEquals(0, cmp.exit(), cmp.all());
    }
}
