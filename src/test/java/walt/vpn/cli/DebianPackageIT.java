package walt.vpn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import walt.vpn.testing.TestCache;
import walt.vpn.testing.Tools;

/**
 * The Debian package {@code mvn package} makes, as an administrator meets it. lintian reports
 * no error. Then, in a Debian 12 and a Debian 13 root of the build host's architecture, made by
 * the project's own pipeline ({@code test-images/deb-host}, {@code target: rootfs}) and
 * finished in a chroot where the maintainer scripts run natively: {@code dpkg -i}, the command
 * and its man pages, {@code server init} with the package's sshd drop-in (sshd itself checks
 * it), an upgrade to a newer build that keeps the state and the admin's edit of the conffile,
 * {@code remove} that keeps the state and accounts, and {@code purge} that takes them, and only
 * them.
 */
class DebianPackageIT {

    private static final String SOURCE_DATE_EPOCH = "1750000000";
    private static final long CHROOT_SECONDS = 600;
    private static final Path CONFFILE = Path.of("etc/ssh/sshd_config.d/walt-vpn.conf");

    private static Path deb;
    private static String version;
    private static Path work;
    private static Path cache;

    @BeforeAll
    static void findPackage() throws Exception {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            List<Path> debs = files.filter(p -> p.getFileName().toString().matches("walt-vpn_.*_all\\.deb")).toList();
            assertEquals(1, debs.size(), "mvn package makes one walt-vpn_VERSION_all.deb: " + debs);
            deb = debs.get(0).toAbsolutePath();
        }
        Tools.Result v = Tools.run(List.of("dpkg-deb", "-f", deb.toString(), "Version"), Path.of("."), 60);
        assertEquals(0, v.exit(), v.all());
        version = v.stdout().strip();
        cache = TestCache.buildCache();
        work = Files.createTempDirectory("walt-deb-it");
    }

    @AfterAll
    static void removeWork() throws Exception {
        if (work != null) {
            // --one-file-system: never into a /proc a failed run left mounted.
            Tools.Result rm = Tools.run(List.of("rm", "-rf", "--one-file-system", work.toString()), Path.of("/"), 300);
            assertEquals(0, rm.exit(), "the work directory stays behind: " + rm.all());
        }
    }

    @Test
    void lintianReportsNoError() throws Exception {
        Tools.require("lintian");
        Tools.Result r = Tools.run(List.of("lintian", "--fail-on", "error", deb.toString()), work, 600);
        assertEquals(0, r.exit(), r.all());
        assertFalse(r.stdout().lines().anyMatch(l -> l.startsWith("E: ")), r.stdout());
    }

    /** What the package holds: a page and a completion for every command, the server's files, no walt. */
    @Test
    void thePackageHoldsTheCommandItsPagesAndTheServerFiles() throws Exception {
        Tools.Result c = Tools.run(List.of("dpkg-deb", "--contents", deb.toString()), work, 60);
        assertEquals(0, c.exit(), c.all());
        TreeSet<String> paths = new TreeSet<>();
        for (String line : c.stdout().lines().toList()) {
            String path = line.substring(line.indexOf("./") + 1);
            paths.add(path.contains(" -> ") ? path.substring(0, path.indexOf(" -> ")) : path);
        }
        TreeSet<String> pages = new TreeSet<>();
        for (String command : commandNames(CommandTree.forRoot("walt-vpn"), new ArrayList<>())) {
            pages.add("/usr/share/man/man1/" + command + ".1.gz");
        }
        assertEquals(17, pages.size(), "walt-vpn, its 3 groups and 13 commands: " + pages);
        assertEquals(pages, new TreeSet<>(paths.subSet("/usr/share/man/man1/w", "/usr/share/man/man1/\uffff")), "one page per command");
        for (String p : List.of("/usr/bin/walt-vpn", "/usr/share/walt-vpn/walt-vpn.jar", "/usr/share/walt-vpn/image-recipes/rpi3bp-vpn-node.yaml",
                "/usr/share/walt-vpn/rootfs-overlay/usr/lib/walt-vpn/tunnel.sh", "/usr/libexec/walt-vpn/enroll", "/usr/libexec/walt-vpn/enroll-keys",
                "/etc/ssh/sshd_config.d/walt-vpn.conf", "/usr/lib/systemd/system/walt-vpn-server.service",
                "/usr/share/bash-completion/completions/walt-vpn", "/usr/share/doc/walt-vpn/copyright", "/usr/share/doc/walt-vpn/changelog.gz")) {
            assertTrue(paths.contains(p), "missing " + p);
        }
        assertFalse(paths.contains("/usr/bin/walt"), "WalT's own walt command is walt-client's");
        assertTrue(c.stdout().lines().filter(l -> l.endsWith("./usr/libexec/walt-vpn/enroll") || l.endsWith("./usr/bin/walt-vpn"))
                .allMatch(l -> l.startsWith("-rwxr-xr-x root/root")), c.stdout());

        // Reproducible: the pages carry the release's day, not the build's.
        Tools.Result page = Tools.run(List.of("sh", "-c", "dpkg-deb --fsys-tarfile \"$1\" | tar -xOf - ./usr/share/man/man1/walt-vpn.1.gz | gzip -dc",
                "-", deb.toString()), work, 60);
        assertTrue(page.stdout().contains(".TH \"WALT\\-VPN\" \"1\" \"2026-01-01\""), page.stdout().lines().limit(12).toList().toString());

        Tools.Result f = Tools.run(List.of("dpkg-deb", "-f", deb.toString(), "Package", "Architecture", "Depends"), work, 60);
        assertTrue(f.stdout().contains("Package: walt-vpn\nArchitecture: all\n"), f.stdout());
        for (String dep : List.of("java17-runtime-headless", "openssh-server", "openssh-client", "iproute2", "netcat-openbsd")) {
            assertTrue(f.stdout().contains(dep), "Depends: " + dep);
        }
        Tools.Result conffiles = Tools.run(List.of("sh", "-c", "dpkg-deb --ctrl-tarfile \"$1\" | tar -xOf - ./conffiles", "-", deb.toString()), work, 60);
        assertEquals("/" + CONFFILE + "\n", conffiles.stdout(), "the sshd drop-in is the admin's to edit");
    }

    private static List<String> commandNames(CommandLine cl, List<String> into) {
        into.add(cl.getCommandSpec().qualifiedName("-"));
        cl.getSubcommands().values().forEach(sub -> commandNames(sub, into));
        return into;
    }

    @ParameterizedTest
    @ValueSource(strings = {"bookworm", "trixie"})
    void installUpgradeRemoveAndPurgeInADebianRoot(String suite) throws Exception {
        Tools.requireRoot();
        Tools.require("chroot");
        Tools.require("mount");
        Assumptions.assumeTrue(Files.isRegularFile(Path.of("/usr/share/keyrings/debian-archive-keyring.gpg")), "debian-archive-keyring is not installed");
        Path recipe = Path.of("test-images/deb-host/deb-host-" + suite + ".yaml").toAbsolutePath();
        WaltJar.Run built = WaltJar.run(work, Map.of("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH), "vpn-image", "build", recipe.toString(),
                "-o", suite, "--cache", cache.toString());
        Assumptions.assumeFalse(built.stderr().contains("cannot fetch"), "Debian mirror unreachable and no warm cache: " + built.stderr());
        assertEquals(0, built.exit(), built.stderr());
        Path root = Files.createDirectory(work.resolve("root-" + suite));
        Tools.Result x = Tools.run(List.of("tar", "-xpf", work.resolve(suite + "/deb-host-" + suite + ".tar").toString(), "-C", root.toString()), work, 300);
        assertEquals(0, x.exit(), x.all());
        // The Java runtime's scripts run java, which reads /proc.
        Tools.Result mount = Tools.run(List.of("mount", "-t", "proc", "proc", root.resolve("proc").toString()), work, 30);
        assertEquals(0, mount.exit(), mount.all());
        try {
            inRoot(root, suite);
        } finally {
            Tools.Result umount = Tools.run(List.of("umount", root.resolve("proc").toString()), work, 60);
            assertEquals(0, umount.exit(), umount.all());
        }
    }

    private static void inRoot(Path root, String suite) throws Exception {
        ok(root, "/usr/lib/walt-vpn/first-boot-configure");
        Files.copy(deb, root.resolve("tmp/walt-vpn.deb"));

        // install, where a group of the tunnel account's name is left from an earlier purge
        ok(root, "groupadd", "--system", "walt-vpn");
        Tools.Result install = ok(root, "dpkg", "-i", "/tmp/walt-vpn.deb");
        assertTrue(install.stdout().contains("Setting up walt-vpn (" + version + ")"), install.all());
        assertEquals("walt-vpn 0.1.0", ok(root, "walt-vpn", "--version").stdout().strip());
        Tools.Result help = ok(root, "walt-vpn", "setup-node", "--help");
        assertTrue(help.stdout().startsWith("Usage: walt-vpn setup-node "), help.all());
        for (String account : List.of("walt-vpn:x:", "walt-vpn-enroll:x:")) {
            assertTrue(ok(root, "getent", "passwd", account.substring(0, account.indexOf(':'))).stdout().startsWith(account), "postinst made " + account);
            assertEquals("", expiry(root, account.substring(0, account.indexOf(':'))), "an installed VPN's accounts do not expire");
        }
        assertEquals(ok(root, "getent", "group", "walt-vpn").stdout().split(":")[2], ok(root, "id", "-g", "walt-vpn").stdout().strip(),
                "the tunnel account joins the group that was there");
        for (String page : commandNames(CommandTree.forRoot("walt-vpn"), new ArrayList<>())) {
            Tools.Result man = ok(root, "man", "-P", "cat", page);
            assertTrue(man.stdout().contains("NAME") && man.stdout().contains(page + " - "), page + ": " + man.all());
        }

        // the server side, around the package's own files
        Tools.Result init = ok(root, "walt-vpn", "server", "init", "--no-bridge");
        assertTrue(init.stdout().contains("created CA key /var/lib/walt/vpn/ca"), init.all());
        assertTrue(init.stdout().contains("kept /usr/libexec/walt-vpn/enroll"), "init leaves the package's files: " + init.all());
        Files.createDirectories(root.resolve("run/sshd"));
        ok(root, "sshd", "-t");
        Tools.Result enrol = ok(root, "sshd", "-T", "-C", "user=walt-vpn-enroll,host=node,addr=192.0.2.7");
        assertTrue(enrol.stdout().contains("forcecommand exec /usr/libexec/walt-vpn/enroll"), enrol.stdout());
        Tools.Result tunnel = ok(root, "sshd", "-T", "-C", "user=walt-vpn,host=node,addr=192.0.2.7");
        assertTrue(tunnel.stdout().contains("trustedusercakeys /var/lib/walt/vpn/ca.pub"), tunnel.stdout());
        Tools.Result elsewhere = Tools.run(List.of("chroot", root.toString(), "walt-vpn", "server", "init", "--no-bridge", "--state-dir", "/srv/vpn"),
                work, CHROOT_SECONDS, env());
        assertEquals(2, elsewhere.exit(), "the package's drop-in serves one state folder: " + elsewhere.all());
        assertTrue(elsewhere.stderr().startsWith("walt-vpn: the walt-vpn package's sshd drop-in"), elsewhere.stderr());
        byte[] ca = Files.readAllBytes(root.resolve("var/lib/walt/vpn/ca"));
        Files.writeString(root.resolve(CONFFILE), Files.readString(root.resolve(CONFFILE)) + "# the admin's edit\n");

        // upgrade to a newer build: the same files under a higher version
        String newer = version + "+next";
        Path unpacked = work.resolve("repack-" + suite);
        Tools.Result r = Tools.run(List.of("dpkg-deb", "-R", deb.toString(), unpacked.toString()), work, 120);
        assertEquals(0, r.exit(), r.all());
        Path control = unpacked.resolve("DEBIAN/control");
        Files.writeString(control, Files.readString(control).replace("Version: " + version + "\n", "Version: " + newer + "\n"));
        r = Tools.run(List.of("dpkg-deb", "--root-owner-group", "-b", unpacked.toString(), root.resolve("tmp/walt-vpn-next.deb").toString()), work, 300);
        assertEquals(0, r.exit(), r.all());
        Tools.Result upgrade = ok(root, "dpkg", "-i", "/tmp/walt-vpn-next.deb");
        assertTrue(upgrade.stdout().contains("over (" + version + ")") && upgrade.stdout().contains("Setting up walt-vpn (" + newer + ")"), upgrade.all());
        assertTrue(Files.readString(root.resolve(CONFFILE)).endsWith("# the admin's edit\n"), "upgrade keeps the admin's conffile");
        assertEquals(-1L, java.util.Arrays.mismatch(ca, Files.readAllBytes(root.resolve("var/lib/walt/vpn/ca"))), "upgrade keeps the CA");
        ok(root, "walt-vpn", "nodes", "--help");

        // remove: the command goes; state, accounts and conffile stay, the accounts expired
        ok(root, "dpkg", "-r", "walt-vpn");
        for (String account : List.of("walt-vpn", "walt-vpn-enroll")) {
            assertEquals("1", expiry(root, account), "a removed VPN lets no node in: " + account + " expired");
        }
        assertFalse(Files.exists(root.resolve("usr/bin/walt-vpn"), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(root.resolve("usr/share/walt-vpn")));
        assertTrue(Files.isRegularFile(root.resolve("var/lib/walt/vpn/ca")), "remove keeps the state");
        assertTrue(Files.isRegularFile(root.resolve(CONFFILE)), "remove keeps conffiles");
        ok(root, "getent", "passwd", "walt-vpn");
        assertTrue(ok(root, "dpkg-query", "-W", "-f", "${db:Status-Abbrev}", "walt-vpn").stdout().startsWith("rc"));

        // installed again: the same CA, the accounts serve again
        ok(root, "dpkg", "-i", "/tmp/walt-vpn-next.deb");
        assertEquals(-1L, java.util.Arrays.mismatch(ca, Files.readAllBytes(root.resolve("var/lib/walt/vpn/ca"))), "reinstalling keeps the CA");
        assertEquals("", expiry(root, "walt-vpn"));
        ok(root, "dpkg", "-r", "walt-vpn");
        // what systemctl enable made
        Path wants = Files.createDirectories(root.resolve("etc/systemd/system/multi-user.target.wants"));
        Files.createSymbolicLink(wants.resolve("walt-vpn-server.service"), Path.of("/usr/lib/systemd/system/walt-vpn-server.service"));

        // purge: the VPN's state and accounts go; WalT's own /var/lib/walt stays
        Files.createDirectories(root.resolve("var/lib/walt/images"));
        ok(root, "dpkg", "-P", "walt-vpn");
        assertFalse(Files.exists(root.resolve("var/lib/walt/vpn")), "purge removes the state");
        assertTrue(Files.isDirectory(root.resolve("var/lib/walt/images")), "purge leaves WalT's own folder");
        assertFalse(Files.exists(root.resolve(CONFFILE)), "purge removes the conffile");
        assertFalse(Files.exists(wants.resolve("walt-vpn-server.service"), LinkOption.NOFOLLOW_LINKS), "purge removes the enable link");
        for (String account : List.of("walt-vpn", "walt-vpn-enroll")) {
            Tools.Result gone = Tools.run(List.of("chroot", root.toString(), "getent", "passwd", account), work, 60, env());
            assertEquals(2, gone.exit(), "purge removes " + account + ": " + gone.all());
        }
        Tools.Result query = Tools.run(List.of("chroot", root.toString(), "dpkg-query", "-W", "walt-vpn"), work, 60, env());
        assertTrue(query.exit() != 0, "dpkg forgets the package: " + query.all());
        System.err.println(suite + ": install, init, upgrade, remove and purge passed");
    }

    /** The account's expiry date field in shadow: empty for never. */
    private static String expiry(Path root, String account) throws Exception {
        String[] fields = ok(root, "getent", "shadow", account).stdout().strip().split(":", -1);
        return fields[7];
    }

    private static Tools.Result ok(Path root, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("chroot", root.toString()));
        cmd.addAll(List.of(command));
        Tools.Result r = Tools.run(cmd, work, CHROOT_SECONDS, env());
        assertEquals(0, r.exit(), String.join(" ", command) + ": " + r.all());
        return r;
    }

    private static Map<String, String> env() {
        return Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL", "C.UTF-8", "DEBIAN_FRONTEND", "noninteractive", "MANWIDTH", "80");
    }
}
