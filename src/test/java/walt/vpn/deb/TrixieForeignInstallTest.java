package walt.vpn.deb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.testing.Tools;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.Symlink;
import walt.vpn.tree.TarExporter;
import walt.vpn.tree.Timestamp;

/**
 * Debian 13 (trixie), the suite our images use, from the mirror's pool: its Essential set plus
 * mount, adduser, passwd, systemd (as init) and openssh-server, unpacked from scratch (merged /usr made first, as debootstrap
 * does for trixie), then configured in a chroot by the first-boot script with trixie's own
 * dpkg, which must then report every package {@code ii} and {@code --verify} clean.
 */
class TrixieForeignInstallTest {

    private static final String MIRROR = "http://deb.debian.org/debian";

    @Test
    void trixieEssentialSetConfiguresCleanly(@TempDir Path tmp) throws Exception {
        Tools.requireRoot();
        Tools.require("unshare");
        Tools.require("chroot");
        HostAptPackages trixie = HostAptPackages.mirror(MIRROR, "trixie");
        List<String> seeds = new ArrayList<>(trixie.essential());
        seeds.addAll(List.of("mount", "adduser", "passwd", "systemd", "systemd-sysv", "openssh-server"));
        List<Path> debs = trixie.download(trixie.closure(seeds));

        Timestamp time = Timestamp.ofSeconds(1_767_225_600L);
        FileTree tree = FileTree.empty(time);
        long start = System.nanoTime();
        List<UnpackedPackage> done = ForeignInstaller.install(tree, debs,
                new ForeignInstaller.Options("amd64", time, tmp.resolve("spool"), w -> System.err.println("warning: " + w)));
        long debBytes = 0;
        for (Path d : debs) {
            debBytes += Files.size(d);
        }
        System.err.printf("trixie: %d packages (%d KiB of .debs) unpacked in %d ms%n", done.size(), debBytes >> 10,
                (System.nanoTime() - start) / 1_000_000);
        assertEquals(debs.size(), done.size());
        assertEquals("usr/bin", ((Symlink) tree.lookup("/bin")).target());
        assertInstanceOf(Symlink.class, tree.lookup("/lib64"));

        Path tar = tmp.resolve("root.tar");
        try (OutputStream out = Files.newOutputStream(tar)) {
            TarExporter.write(tree, out);
        }
        Path root = tmp.resolve("root");
        Files.createDirectory(root);
        Tools.Result x = Tools.run(List.of("tar", "--numeric-owner", "--same-owner", "-xpf", tar.toString(), "-C", root.toString()), null, 300);
        assertEquals(0, x.exit(), x.all());
        Files.delete(tar);

        Tools.Result conf = inChroot(root, FirstBootConfigure.SCRIPT + " --configure-only");
        assertEquals(0, conf.exit(), conf.all());
        assertTrue(conf.stdout().contains("Setting up systemd ("), conf.all());
        assertTrue(conf.stdout().contains("Setting up openssh-server ("), conf.all());
        // policy-rc.d kept every service from starting in the chroot, and is gone again.
        assertTrue(!Files.exists(root.resolve("usr/sbin/policy-rc.d")), "temporary policy-rc.d removed");
        Tools.Result q = inChroot(root, "dpkg-query -W -f '${binary:Package} ${db:Status-Abbrev}\\n'");
        assertEquals(0, q.exit(), q.all());
        List<String> lines = q.stdout().lines().toList();
        assertEquals(done.size(), lines.size(), q.stdout());
        for (String l : lines) {
            assertTrue(l.endsWith(" ii "), l);
        }
        Tools.Result verify = inChroot(root, "dpkg --verify");
        assertEquals(0, verify.exit(), verify.all());
        assertEquals("", verify.stdout(), "dpkg --verify finds files that differ from the packages");
        Tools.Result audit = inChroot(root, "dpkg --audit");
        assertEquals("", audit.stdout(), audit.all());
        removeRoot(root);
    }

    /**
     * The configured root holds absolute symlinks (alternatives) that JUnit's clean-up warns
     * about one by one: remove it ourselves, never crossing into a mount.
     */
    private static void removeRoot(Path root) throws IOException, InterruptedException {
        Tools.Result rm = Tools.run(List.of("rm", "-rf", "--one-file-system", root.toString()), null, 120);
        assertEquals(0, rm.exit(), rm.all());
    }

    private static Tools.Result inChroot(Path root, String command) throws Exception {
        String r = root.toString();
        String script = "set -e; mount -t proc proc '" + r + "/proc'; mount --bind /dev '" + r + "/dev'; "
                + "exec chroot '" + r + "' /bin/sh -c \"$0\"";
        return Tools.run(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c", script, command), null, 600,
                Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"));
    }
}
