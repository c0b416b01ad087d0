package walt.vpn.deb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.disk.ImageFile;
import walt.vpn.ext4.Ext4Options;
import walt.vpn.ext4.Ext4Writer;
import walt.vpn.testing.Tools;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.Symlink;
import walt.vpn.tree.TarExporter;
import walt.vpn.tree.Timestamp;

/**
 * The target itself, rootless and without emulation: trixie arm64 (Essential set, systemd as
 * init, udev, openssh-server) unpacked into a tree, which real dpkg reads back (every package
 * {@code iU}: unpacked, not configured) and which becomes an ext4 filesystem that e2fsck
 * accepts. Nothing of arm64 runs; the configuration is the first boot's job.
 */
class TrixieArm64UnpackTest {

    @Test
    void arm64BaseUnpacksIntoAnExt4RootWithADatabaseDpkgReads(@TempDir Path tmp) throws Exception {
        HostAptPackages arm64 = HostAptPackages.mirror("http://deb.debian.org/debian", "trixie", "arm64");
        List<String> seeds = new ArrayList<>(arm64.essential());
        seeds.addAll(List.of("mount", "systemd", "systemd-sysv", "udev", "openssh-server", "iproute2"));
        List<Path> debs = arm64.download(arm64.closure(seeds));

        Timestamp time = Timestamp.ofSeconds(1_767_225_600L);
        FileTree tree = FileTree.empty(time);
        long start = System.nanoTime();
        List<UnpackedPackage> done = ForeignInstaller.install(tree, debs,
                new ForeignInstaller.Options("arm64", time, tmp.resolve("spool"), w -> System.err.println("warning: " + w)));
        System.err.printf("trixie arm64: %d packages unpacked in %d ms%n", done.size(), (System.nanoTime() - start) / 1_000_000);
        assertEquals(debs.size(), done.size());
        assertEquals(List.of("bin", "sbin", "lib"), MergedUsr.aliasedDirectories("arm64"));
        assertInstanceOf(RegularFile.class, TargetPath.resolve(tree, "/lib/ld-linux-aarch64.so.1", true).node(),
                "the dynamic loader where arm64 binaries look for it");
        assertInstanceOf(RegularFile.class, TargetPath.resolve(tree, "/sbin/init", true).node(), "systemd as /sbin/init");
        assertInstanceOf(Symlink.class, tree.lookup(FirstBootConfigure.UNIT_WANTS_LINK));

        // Real dpkg reads the database: every package unpacked, none configured.
        Tools.require("dpkg-query");
        Path tar = tmp.resolve("root.tar");
        try (OutputStream out = Files.newOutputStream(tar)) {
            TarExporter.write(tree, out);
        }
        Path root = tmp.resolve("root");
        Files.createDirectories(root);
        Tools.Result x = Tools.run(List.of("tar", "-xf", tar.toString(), "-C", root.toString(), "var/lib/dpkg"), null, 120);
        assertEquals(0, x.exit(), x.all());
        Tools.Result q = Tools.run(List.of("dpkg-query", "--admindir=" + root.resolve("var/lib/dpkg"), "-W",
                "-f", "${binary:Package} ${Architecture} ${db:Status-Abbrev}\\n"), null, 60);
        assertEquals(0, q.exit(), q.all());
        List<String> lines = q.stdout().lines().toList();
        assertEquals(done.size(), lines.size(), q.stdout());
        for (String l : lines) {
            assertTrue(l.matches("\\S+ (arm64|all) iU "), l);
        }
        Tools.Result audit = Tools.run(List.of("dpkg", "--admindir=" + root.resolve("var/lib/dpkg"), "--audit"), null, 60);
        assertTrue(audit.stdout().contains("unpacked but not yet configured"), audit.all());

        // Reproducible: the same packages at the same time give the same tree, byte for byte.
        FileTree again = FileTree.empty(time);
        ForeignInstaller.install(again, debs, new ForeignInstaller.Options("arm64", time, tmp.resolve("spool2"), w -> { }));
        assertEquals(sha256(tree), sha256(again));

        // And the tree is a filesystem: ext4 by our writer, checked by e2fsck.
        Tools.require("e2fsck");
        Ext4Writer writer = new Ext4Writer(Ext4Options.defaults());
        Path img = tmp.resolve("root.ext4");
        long ext4Start = System.nanoTime();
        try (ImageFile f = ImageFile.createSparse(img, writer.sizeFor(tree))) {
            writer.write(tree, f);
        }
        System.err.printf("trixie arm64: ext4 of %d MiB written in %d ms%n", Files.size(img) >> 20, (System.nanoTime() - ext4Start) / 1_000_000);
        Tools.Result fsck = Tools.run(List.of("e2fsck", "-fn", img.toString()), null, 300);
        assertEquals(0, fsck.exit(), fsck.all());
    }

    private static String sha256(FileTree t) throws Exception {
        java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
        try (OutputStream out = new java.security.DigestOutputStream(OutputStream.nullOutputStream(), md)) {
            TarExporter.write(t, out);
        }
        return java.util.HexFormat.of().formatHex(md.digest());
    }
}
