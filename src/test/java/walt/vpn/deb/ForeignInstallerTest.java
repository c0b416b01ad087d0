package walt.vpn.deb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.testing.Tools;
import walt.vpn.tree.Directory;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.Symlink;
import walt.vpn.tree.TarExporter;
import walt.vpn.tree.Timestamp;

/**
 * The real thing, natively on the amd64 host: the Essential set of the host's Debian (plus a
 * few packages with preinst scripts and conffiles) and everything it depends on is unpacked by
 * {@link ForeignInstaller} into an empty tree, exported with {@link TarExporter}, extracted as
 * root, and finished in a chroot by the first-boot script; then the target's own dpkg is the
 * oracle: every package {@code ii}, {@code dpkg --verify} clean, {@code dpkg -L} as unpacked.
 */
class ForeignInstallerTest {

    private static final Timestamp TIME = Timestamp.ofSeconds(1_767_225_600L);
    private static final List<String> EXTRA = List.of("adduser", "less", "passwd", "libpam-modules", "mount");

    private static List<Path> debs;

    @BeforeAll
    static void packages() throws Exception {
        HostAptPackages apt = HostAptPackages.load();
        List<String> seeds = new ArrayList<>(apt.essential());
        seeds.addAll(EXTRA);
        debs = apt.download(apt.closure(seeds));
    }

    @Test
    void unpacksIntoMergedUsrTreeWithDpkgDatabase(@TempDir Path tmp) throws Exception {
        FileTree tree = FileTree.empty(TIME);
        List<UnpackedPackage> done = ForeignInstaller.install(tree, debs, options(tmp));
        assertEquals(debs.size(), done.size());

        assertInstanceOf(Symlink.class, tree.lookup("/bin"));
        assertEquals("usr/bin", ((Symlink) tree.lookup("/bin")).target());
        assertInstanceOf(Directory.class, tree.lookup("/usr/lib/x86_64-linux-gnu"));
        // bash ships ./bin/bash (bookworm): it lands in /usr/bin through the /bin symlink.
        assertInstanceOf(RegularFile.class, tree.lookup("/usr/bin/bash"));
        UnpackedPackage bash = done.stream().filter(p -> p.name().equals("bash")).findFirst().orElseThrow();
        assertTrue(bash.paths().contains("/bin/bash"), "the list keeps the package's own path");

        String status = text(tree, "/var/lib/dpkg/status");
        for (UnpackedPackage p : done) {
            assertTrue(status.contains("Package: " + p.name() + "\nStatus: install ok unpacked\n")
                    || status.contains("Package: " + p.name() + "\nEssential: yes\nStatus: install ok unpacked\n")
                    || status.contains("Package: " + p.name() + "\nProtected: yes\nStatus: install ok unpacked\n"), p.name());
            assertInstanceOf(RegularFile.class, tree.lookup("/var/lib/dpkg/info/" + p.infoName() + ".list"), p.infoName());
        }
        assertInstanceOf(RegularFile.class, tree.lookup("/var/lib/dpkg/info/libc6:amd64.list"), "Multi-Arch: same");
        assertEquals(0755, tree.lookup("/var/lib/dpkg/info/base-passwd.preinst").metadata().permissions());
        assertInstanceOf(RegularFile.class, tree.lookup("/etc/adduser.conf.dpkg-new"), "conffiles wait as .dpkg-new");
        assertTrue(text(tree, "/etc/passwd").startsWith("root:*:0:0:"), "passwd from base-passwd's master");
        assertTrue(text(tree, FirstBootConfigure.STATE + "/preinst").contains("libc6 amd64 libc6:amd64\n"));
    }

    @Test
    void firstBootScriptConfiguresEverythingInChroot(@TempDir Path tmp) throws Exception {
        Tools.requireRoot();
        Tools.require("unshare");
        Tools.require("chroot");
        FileTree tree = FileTree.empty(TIME);
        // A file the image already has where a package brings a conffile (an overlay's, say):
        // the unattended first boot keeps it and sets the package's aside.
        tree.put("/etc/deluser.conf", new RegularFile(walt.vpn.tree.Metadata.of(0644, TIME),
                walt.vpn.tree.BytesContent.of("# from the overlay\n")), walt.vpn.tree.Metadata.of(0755, TIME));
        List<UnpackedPackage> done = ForeignInstaller.install(tree, debs, options(tmp));
        Path root = extract(tree, tmp);

        // As debootstrap's second stage: /proc and /dev for the scripts, in a private mount
        // namespace so that nothing stays mounted whatever happens.
        Tools.Result conf = inChroot(root, FirstBootConfigure.SCRIPT + " --configure-only");
        assertEquals(0, conf.exit(), conf.all());
        assertTrue(!Files.exists(root.resolve(FirstBootConfigure.STATE.substring(1) + "/pending")), "pending marker removed");
        assertTrue(conf.all().contains("preinst install: base-passwd"), conf.all());

        Tools.Result q = inChroot(root, "dpkg-query -W -f '${binary:Package} ${db:Status-Abbrev}\\n'");
        assertEquals(0, q.exit(), q.all());
        Map<String, String> states = new TreeMap<>();
        q.stdout().lines().forEach(l -> states.put(l.substring(0, l.indexOf(' ')), l.substring(l.indexOf(' ') + 1).strip()));
        Set<String> expected = done.stream().map(p -> p.multiArchSame() ? p.name() + ":" + p.arch() : p.name())
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(expected, states.keySet());
        for (Map.Entry<String, String> e : states.entrySet()) {
            assertEquals("ii", e.getValue(), e.getKey());
        }

        Tools.Result verify = inChroot(root, "dpkg --verify");
        assertEquals(0, verify.exit(), verify.all());
        assertEquals("??5?????? c /etc/deluser.conf\n", verify.stdout(), "only the kept conffile differs from the packages");
        assertEquals("# from the overlay\n", Files.readString(root.resolve("etc/deluser.conf")));
        assertTrue(Files.isRegularFile(root.resolve("etc/deluser.conf.dpkg-dist")));

        for (UnpackedPackage p : done) {
            Tools.Result l = inChroot(root, "dpkg -L " + p.infoName());
            assertEquals(0, l.exit(), l.all());
            assertEquals(new TreeSet<>(p.paths()), new TreeSet<>(l.stdout().lines().filter(s -> s.startsWith("/")).toList()), p.infoName());
            for (String path : p.paths()) {
                // Through the merged-/usr symlinks, as the kernel resolves them in the chroot.
                Path onDisk = root.resolve(path.substring(1));
                assertTrue(Files.exists(onDisk, LinkOption.NOFOLLOW_LINKS) || Files.exists(onDisk), p.infoName() + ": " + path);
            }
        }
        Tools.Result bash = inChroot(root, "bash -c 'echo $BASH_VERSION; id -un; readlink -f /bin/sh'");
        assertEquals(0, bash.exit(), bash.all());
        assertTrue(bash.stdout().contains("root\n/usr/bin/dash"), bash.stdout());
        removeRoot(root);
    }

    @Test
    void asInitItConfiguresThenExecsInitWithTheKernelArguments(@TempDir Path tmp) throws Exception {
        Tools.requireRoot();
        Tools.require("unshare");
        Tools.require("chroot");
        FileTree tree = FileTree.empty(TIME);
        ForeignInstaller.install(tree, debs, options(tmp));
        // A stand-in for systemd: says what it was given and what the system looks like.
        tree.put("/usr/sbin/init", new RegularFile(walt.vpn.tree.Metadata.of(0755, TIME), walt.vpn.tree.BytesContent.of(
                "#!/bin/sh\necho \"fake init as pid $$: $*\"\ngrep -q '^proc /proc ' /proc/mounts && echo 'proc mounted'\n"
                + "test -c /dev/null && echo 'dev mounted'\n"
                + "dpkg-query -W -f '${db:Status-Abbrev}\\n' | sort | uniq -c\n")), walt.vpn.tree.Metadata.of(0755, TIME));
        Path root = extract(tree, tmp);
        // A new PID namespace makes the script PID 1, as the kernel's init= would.
        Tools.Result boot = Tools.run(List.of("unshare", "--mount", "--pid", "--fork", "--propagation", "private",
                "chroot", root.toString(), FirstBootConfigure.SCRIPT, "quiet", "splash"), null, 600,
                Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"));
        assertEquals(0, boot.exit(), boot.all());
        assertTrue(boot.stdout().contains("walt-vpn first boot: all packages configured\n"), boot.all());
        assertTrue(boot.stdout().contains("fake init as pid 1: quiet splash\nproc mounted\ndev mounted\n"), boot.all());
        assertTrue(boot.stdout().strip().endsWith(debs.size() + " ii"), boot.all());

        // Second boot: nothing pending, straight to init.
        Tools.Result again = Tools.run(List.of("unshare", "--mount", "--pid", "--fork", "--propagation", "private",
                "chroot", root.toString(), FirstBootConfigure.SCRIPT), null, 60, Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"));
        assertEquals(0, again.exit(), again.all());
        assertTrue(again.stdout().startsWith("fake init as pid 1: \n"), again.all());
        removeRoot(root);
    }

    private static Path extract(FileTree tree, Path tmp) throws IOException, InterruptedException {
        Path tar = tmp.resolve("root.tar");
        try (OutputStream out = Files.newOutputStream(tar)) {
            TarExporter.write(tree, out);
        }
        Path root = tmp.resolve("root");
        Files.createDirectory(root);
        Tools.Result x = Tools.run(List.of("tar", "--numeric-owner", "--same-owner", "-xpf", tar.toString(), "-C", root.toString()), null, 300);
        assertEquals(0, x.exit(), x.all());
        Files.delete(tar);
        return root;
    }

    /**
     * The configured root holds absolute symlinks (alternatives) that JUnit's clean-up warns
     * about one by one: remove it ourselves, never crossing into a mount.
     */
    private static void removeRoot(Path root) throws IOException, InterruptedException {
        Tools.Result rm = Tools.run(List.of("rm", "-rf", "--one-file-system", root.toString()), null, 120);
        assertEquals(0, rm.exit(), rm.all());
    }

    private static Tools.Result inChroot(Path root, String command) throws IOException, InterruptedException {
        String r = root.toString();
        String script = "set -e; mount -t proc proc '" + r + "/proc'; mount --bind /dev '" + r + "/dev'; "
                + "exec chroot '" + r + "' /bin/sh -c \"$0\"";
        return Tools.run(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c", script, command), null, 600,
                Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"));
    }

    private static ForeignInstaller.Options options(Path tmp) {
        return new ForeignInstaller.Options("amd64", TIME, tmp.resolve("spool"), w -> System.err.println("warning: " + w));
    }

    private static String text(FileTree tree, String path) throws IOException {
        return new String(((RegularFile) tree.lookup(path)).content().readAll(), StandardCharsets.UTF_8);
    }
}
