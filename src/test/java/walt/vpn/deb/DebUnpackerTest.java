package walt.vpn.deb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.testing.Tools;
import walt.vpn.tree.BytesContent;
import walt.vpn.tree.Directory;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.InvalidDataException;
import walt.vpn.tree.Metadata;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.TarExporter;
import walt.vpn.tree.Timestamp;

/**
 * The unpack against dpkg itself: the same package unpacked into the same base by
 * {@code dpkg --root=DIR --unpack} and by {@link ForeignInstaller} gives the same files
 * (types, modes, owners, devices, hard links, symlinks, contents, times) and the same database;
 * and the conflicts dpkg refuses stop the build with the package named.
 */
class DebUnpackerTest {

    private static final Timestamp T = Timestamp.ofSeconds(1_700_000_000L);
    private static final List<String> OURS_ONLY = List.of("/usr/lib/walt-vpn", "/usr/lib/systemd", "/etc/systemd", "/var/lib/walt-vpn");

    @TempDir
    Path tmp;

    /** A base with merged /usr, one installed package owning a file, and a diversion. */
    private static FileTree base() throws IOException {
        FileTree t = FileTree.empty(T);
        MergedUsr.setUp(t, "amd64", T);
        t.put("/etc", new Directory(Metadata.of(0755, T)), Metadata.of(0755, T));
        t.put("/usr/share/base-thing/owned.txt", file("base version\n", 0644), Metadata.of(0755, T));
        t.put("/var/lib/dpkg/status", file("Package: base-thing\nStatus: install ok installed\nPriority: optional\n"
                + "Section: misc\nMaintainer: nobody <nobody@example.org>\nArchitecture: all\nVersion: 1\n"
                + "Description: base package\n more\n\n", 0644), Metadata.of(0755, T));
        t.put("/var/lib/dpkg/info/base-thing.list", file("/.\n/usr\n/usr/share\n/usr/share/base-thing\n"
                + "/usr/share/base-thing/owned.txt\n/usr/share/base-thing/dir\n", 0644), Metadata.of(0755, T));
        t.put("/usr/share/base-thing/dir", new Directory(Metadata.of(0755, T)), Metadata.of(0755, T));
        t.put("/var/lib/dpkg/diversions", file("/usr/share/walt-test/diverted.txt\n/usr/share/walt-test/diverted.txt.distrib\n"
                + "base-thing\n", 0644), Metadata.of(0755, T));
        t.put("/var/lib/dpkg/updates", new Directory(Metadata.of(0755, T)), Metadata.of(0755, T));
        // base-thing watches a directory the new package fills, and a trigger it activates.
        t.put("/var/lib/dpkg/triggers/File", file("/usr/share/walt-test/sub base-thing/noawait\n/usr/share/nothing base-thing\n", 0644),
                Metadata.of(0755, T));
        t.put("/etc/passwd", file("root:x:0:0:root:/root:/bin/sh\n", 0644), Metadata.of(0755, T));
        t.put("/etc/group", file("root:x:0:\n", 0644), Metadata.of(0755, T));
        t.put("/var/lib/dpkg/statoverride", file("root #5678 2750 /usr/share/walt-test/owned-by-user\n#1234 root 0700 /usr/share/walt-test/sub\n", 0644),
                Metadata.of(0755, T));
        t.put("/var/lib/dpkg/triggers/walt-named", file("base-thing\n", 0644), Metadata.of(0755, T));
        return t;
    }

    private static RegularFile file(String text, int mode) {
        return new RegularFile(Metadata.of(mode, T), BytesContent.of(text));
    }

    private Path richPackage(String compression) throws Exception {
        Path s = tmp.resolve("rich");
        TestDebs.control(s, "walt-test-unpack", "Replaces: base-thing (<< 2)\nDepends: base-thing\n");
        TestDebs.file(s, "DEBIAN/conffiles", "/etc/walt-test.conf\n", "rw-r--r--");
        TestDebs.file(s, "DEBIAN/postinst", "#!/bin/sh\nexit 0\n", "rwxr-xr-x");
        TestDebs.file(s, "DEBIAN/triggers", "interest-noawait /usr/share/walt-test\ninterest walt-test-trigger\n"
                + "activate-noawait walt-named\n", "rw-r--r--");
        TestDebs.file(s, "usr/share/walt-test/sub/deeper/file", "watched\n", "rw-r--r--");
        TestDebs.file(s, "etc/walt-test.conf", "setting=1\n", "rw-r--r--");
        Files.setPosixFilePermissions(s.resolve("etc"), java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        TestDebs.file(s, "bin/walt-tool", "#!/bin/sh\necho tool\n", "rwxr-xr-x");
        Path suid = TestDebs.file(s, "usr/bin/walt-suid", "#!/bin/sh\n", "rwxr-xr-x");
        Tools.run("chmod", "4755", suid.toString());
        Path user = TestDebs.file(s, "usr/share/walt-test/owned-by-user", "mine\n", "rw-r-----");
        Path hard = TestDebs.file(s, "usr/share/walt-test/hard1", "linked twice\n", "rw-r--r--");
        Files.createLink(s.resolve("usr/share/walt-test/hard2"), hard);
        Files.createSymbolicLink(s.resolve("usr/share/walt-test/link"), Path.of("hard1"));
        TestDebs.file(s, "usr/share/walt-test/diverted.txt", "goes elsewhere\n", "rw-r--r--");
        TestDebs.file(s, "usr/share/base-thing/owned.txt", "replaced\n", "rw-r--r--");
        Files.createDirectories(s.resolve("dev"));
        Tools.Result mknod = Tools.run(List.of("mknod", "-m", "0660", s.resolve("dev/walt-null").toString(), "c", "1", "3"), null, 30);
        assertEquals(0, mknod.exit(), mknod.all());
        Tools.run("chown", "1234:5678", user.toString());
        Tools.run("chown", "0:5678", s.resolve("usr/share/walt-test").toString());
        for (Path p : List.of(s.resolve("etc/walt-test.conf"), hard, user)) {
            Files.setLastModifiedTime(p, java.nio.file.attribute.FileTime.fromMillis(1_600_000_000_000L));
        }
        return TestDebs.build(s, tmp.resolve("rich_" + compression + ".deb"), compression, true);
    }

    @Test
    void sameResultAsDpkgUnpack() throws Exception {
        Tools.requireRoot();
        Tools.require("dpkg");
        Tools.require("mknod");
        Path deb = richPackage("zstd");

        // --no-triggers: triggers wait for the first boot, as ours do (dpkg would run them now).
        Path ref = extract(base(), "ref");
        Tools.Result r = Tools.run(List.of("dpkg", "--root=" + ref, "--force-depends", "--no-triggers", "--unpack", deb.toString()), null, 120);
        assertEquals(0, r.exit(), r.all());

        FileTree ours = base();
        List<UnpackedPackage> done = ForeignInstaller.install(ours, List.of(deb),
                new ForeignInstaller.Options("amd64", T, tmp.resolve("spool"), w -> { }));
        assertEquals(1, done.size());
        Path our = extract(ours, "ours");

        Map<String, String> refFiles = describe(ref);
        Map<String, String> ourFiles = describe(our);
        ourFiles.keySet().removeIf(p -> OURS_ONLY.stream().anyMatch(o -> p.equals(o) || p.startsWith(o + "/")));
        refFiles.keySet().removeIf(p -> p.startsWith("/var/lib/dpkg"));
        ourFiles.keySet().removeIf(p -> p.startsWith("/var/lib/dpkg"));
        assertEquals(refFiles, ourFiles);
        // The hard link kept, the /bin file through the merged-/usr symlink, diversion followed:
        assertTrue(ourFiles.get("/usr/share/walt-test/hard2").contains("links=2"));
        assertTrue(ourFiles.get("/usr/share/walt-test/owned-by-user").startsWith("f 2750 0:5678"), "stat override");
        assertTrue(ourFiles.get("/usr/share/walt-test/sub").startsWith("d 700 1234:0"), "stat override");
        assertTrue(ourFiles.containsKey("/usr/bin/walt-tool"));
        assertTrue(ourFiles.containsKey("/usr/share/walt-test/diverted.txt.distrib"));
        assertTrue(ourFiles.containsKey("/etc/walt-test.conf.dpkg-new"));
        assertTrue(ourFiles.get("/etc").startsWith("d 755 0:0"), ourFiles.get("/etc"));

        String info = "var/lib/dpkg/info/";
        assertEquals(Files.readString(ref.resolve("var/lib/dpkg/status")), Files.readString(our.resolve("var/lib/dpkg/status")));
        assertEquals(lines(ref.resolve(info + "walt-test-unpack.list")), lines(our.resolve(info + "walt-test-unpack.list")));
        assertEquals(lines(ref.resolve(info + "base-thing.list")), lines(our.resolve(info + "base-thing.list")),
                "the replaced file left base-thing's list");
        assertEquals(Files.readString(ref.resolve(info + "walt-test-unpack.conffiles")),
                Files.readString(our.resolve(info + "walt-test-unpack.conffiles")));
        assertEquals(Files.readString(ref.resolve(info + "walt-test-unpack.triggers")),
                Files.readString(our.resolve(info + "walt-test-unpack.triggers")));
        assertEquals(Files.readString(ref.resolve("var/lib/dpkg/triggers/File")), Files.readString(our.resolve("var/lib/dpkg/triggers/File")));
        assertEquals(Files.readString(ref.resolve("var/lib/dpkg/triggers/walt-test-trigger")),
                Files.readString(our.resolve("var/lib/dpkg/triggers/walt-test-trigger")));
        assertEquals(describe(ref).get("/var/lib/dpkg/info/walt-test-unpack.postinst"),
                describe(our).get("/var/lib/dpkg/info/walt-test-unpack.postinst"));
        // dpkg-deb shipped no md5sums: ours are computed; md5sum(1) is the oracle.
        for (String line : lines(our.resolve(info + "walt-test-unpack.md5sums"))) {
            String sum = line.substring(0, 32);
            String path = line.substring(34).replace("diverted.txt", "diverted.txt.distrib");
            Tools.Result m = Tools.run(List.of("md5sum", our.resolve(path).toString()), null, 30);
            assertEquals(sum, m.stdout().substring(0, 32), path);
        }
        assertTrue(Files.readString(our.resolve("var/lib/dpkg/status")).contains("Status: install ok triggers-pending\n"));
        assertEquals(Set.of("usr/share/walt-test/sub/deeper/file", "usr/bin/walt-suid", "bin/walt-tool", "usr/share/walt-test/owned-by-user", "usr/share/walt-test/hard1",
                "usr/share/walt-test/hard2", "usr/share/walt-test/diverted.txt", "usr/share/base-thing/owned.txt"),
                new TreeSet<>(lines(our.resolve(info + "walt-test-unpack.md5sums")).stream().map(l -> l.substring(34)).toList()));
    }

    @Test
    void conflictsStopWithThePackageNamed() throws Exception {
        Tools.require("dpkg-deb");
        Path s = tmp.resolve("c1");
        TestDebs.control(s, "walt-conflict", "");
        TestDebs.file(s, "opt/walt/file", "x\n", "rw-r--r--");
        Path fileWhereDirNeeded = TestDebs.build(s, tmp.resolve("c1.deb"), "xz", false);
        FileTree t = base();
        t.put("/opt", file("I am a file\n", 0644), Metadata.of(0755, T));
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> install(t, fileWhereDirNeeded));
        assertEquals("walt-conflict: cannot unpack directory /opt: /opt is a regular file", e.getMessage());

        Path s2 = tmp.resolve("c2");
        TestDebs.control(s2, "walt-overwrite", "");
        TestDebs.file(s2, "usr/share/base-thing/owned.txt", "mine now\n", "rw-r--r--");
        Path noReplaces = TestDebs.build(s2, tmp.resolve("c2.deb"), "gzip", false);
        e = assertThrows(InvalidDataException.class, () -> install(base(), noReplaces));
        assertEquals("walt-overwrite: trying to overwrite /usr/share/base-thing/owned.txt, which is also in package base-thing"
                + " (and walt-overwrite does not declare Replaces: base-thing)", e.getMessage());

        Path s3 = tmp.resolve("c3");
        TestDebs.control(s3, "walt-dir-clash", "Replaces: base-thing\n");
        TestDebs.file(s3, "usr/share/base-thing/dir", "a file where base-thing has a directory\n", "rw-r--r--");
        Path overDir = TestDebs.build(s3, tmp.resolve("c3.deb"), "none", false);
        e = assertThrows(InvalidDataException.class, () -> install(base(), overDir));
        assertEquals("walt-dir-clash: trying to overwrite directory /usr/share/base-thing/dir with a non-directory"
                + " (/usr/share/base-thing/dir) (from package base-thing)", e.getMessage());

        Path s4 = tmp.resolve("c4");
        TestDebs.control(s4, "base-thing", "");
        Files.writeString(s4.resolve("DEBIAN/control"), Files.readString(s4.resolve("DEBIAN/control")).replace("amd64", "all"));
        TestDebs.file(s4, "usr/share/doc/base-thing/x", "x\n", "rw-r--r--");
        Path again = TestDebs.build(s4, tmp.resolve("c4.deb"), "gzip", false);
        e = assertThrows(InvalidDataException.class, () -> install(base(), again));
        assertTrue(e.getMessage().startsWith("c4.deb: base-thing is already in the base image (1 (all, install ok installed))"),
                e.getMessage());

        Path s5 = tmp.resolve("c5");
        TestDebs.control(s5, "walt-arm", "");
        Files.writeString(s5.resolve("DEBIAN/control"), Files.readString(s5.resolve("DEBIAN/control")).replace("amd64", "arm64"));
        TestDebs.file(s5, "usr/share/doc/walt-arm/x", "x\n", "rw-r--r--");
        Path arm = TestDebs.build(s5, tmp.resolve("c5.deb"), "gzip", false);
        e = assertThrows(InvalidDataException.class, () -> install(base(), arm));
        assertEquals("c5.deb: walt-arm is for architecture 'arm64', the target is amd64", e.getMessage());
    }

    @Test
    void multiArchSameGetsQualifiedNamesAndPreinstOrderFollowsDependencies() throws Exception {
        Tools.require("dpkg-deb");
        Path a = tmp.resolve("a");
        TestDebs.control(a, "walt-lib", "Multi-Arch: same\n");
        TestDebs.file(a, "DEBIAN/preinst", "#!/bin/sh\nexit 0\n", "rwxr-xr-x");
        TestDebs.file(a, "usr/lib/x86_64-linux-gnu/libwalt.so.1", "ELF?\n", "rw-r--r--");
        Path b = tmp.resolve("b");
        TestDebs.control(b, "walt-app", "Pre-Depends: walt-virtual | nothing-such\nDepends: walt-lib (>= 1)\n");
        TestDebs.file(b, "DEBIAN/preinst", "#!/bin/sh\nexit 0\n", "rwxr-xr-x");
        TestDebs.file(b, "usr/bin/walt-app", "#!/bin/sh\n", "rwxr-xr-x");
        Path c = tmp.resolve("c");
        TestDebs.control(c, "walt-provider", "Provides: walt-virtual\n");
        TestDebs.file(c, "usr/share/doc/walt-provider/copyright", "free\n", "rw-r--r--");
        List<Path> debs = List.of(TestDebs.build(b, tmp.resolve("b.deb"), "xz", false),
                TestDebs.build(a, tmp.resolve("a.deb"), "zstd", false), TestDebs.build(c, tmp.resolve("c.deb"), "gzip", false));
        FileTree t = FileTree.empty(T);
        List<String> progress = new ArrayList<>();
        ForeignInstaller.install(t, debs, new ForeignInstaller.Options("amd64", T, tmp.resolve("spool"), w -> { },
                (done, total) -> progress.add(done + "/" + total)));
        assertEquals(List.of("1/3", "2/3", "3/3"), progress);
        // Same packages, same time: the same bytes (the tar export is deterministic, so the tree is).
        FileTree again = FileTree.empty(T);
        ForeignInstaller.install(again, debs, new ForeignInstaller.Options("amd64", T, tmp.resolve("spool2"), w -> { }));
        assertEquals(java.util.HexFormat.of().formatHex(tarSha256(t)), java.util.HexFormat.of().formatHex(tarSha256(again)));
        assertInstanceOf(RegularFile.class, t.lookup("/var/lib/dpkg/info/walt-lib:amd64.list"));
        assertInstanceOf(RegularFile.class, t.lookup("/var/lib/dpkg/info/walt-lib:amd64.preinst"));
        assertEquals(0755, t.lookup("/var/lib/dpkg/info/walt-app.preinst").metadata().permissions());
        assertEquals("walt-provider amd64 walt-provider\nwalt-lib amd64 walt-lib:amd64\nwalt-app amd64 walt-app\n",
                text(t, FirstBootConfigure.STATE + "/preinst"));
        assertEquals("amd64\n", text(t, "/var/lib/dpkg/arch"));
        assertEquals("", text(t, "/var/lib/dpkg/available"));
        assertEquals("usr/lib64", ((walt.vpn.tree.Symlink) t.lookup("/lib64")).target());
        assertEquals(FirstBootConfigure.UNIT, ((walt.vpn.tree.Symlink) t.lookup(FirstBootConfigure.UNIT_WANTS_LINK)).target());
        assertEquals(0755, t.lookup(FirstBootConfigure.SCRIPT).metadata().permissions());

        // A second batch into the same tree: the first one's preinst scripts stay pending.
        Path d = tmp.resolve("d");
        TestDebs.control(d, "walt-later", "Depends: walt-app\n");
        TestDebs.file(d, "usr/share/doc/walt-later/copyright", "free\n", "rw-r--r--");
        ForeignInstaller.install(t, List.of(TestDebs.build(d, tmp.resolve("d.deb"), "xz", false)),
                new ForeignInstaller.Options("amd64", T, tmp.resolve("spool"), w -> { }));
        assertEquals("walt-provider amd64 walt-provider\nwalt-lib amd64 walt-lib:amd64\nwalt-app amd64 walt-app\n"
                + "walt-later amd64 walt-later\n", text(t, FirstBootConfigure.STATE + "/preinst"));
        assertTrue(text(t, "/var/lib/dpkg/status").contains("Package: walt-app\nStatus: install ok unpacked\n"));
    }

    private void install(FileTree t, Path deb) throws IOException {
        ForeignInstaller.install(t, List.of(deb), new ForeignInstaller.Options("amd64", T, tmp.resolve("spool"), w -> { }));
    }

    private Path extract(FileTree tree, String name) throws IOException, InterruptedException {
        Path tar = tmp.resolve(name + ".tar");
        try (OutputStream out = Files.newOutputStream(tar)) {
            TarExporter.write(tree, out);
        }
        Path dir = tmp.resolve(name);
        Files.createDirectory(dir);
        Tools.Result x = Tools.run(List.of("tar", "--numeric-owner", "--same-owner", "-xpf", tar.toString(), "-C", dir.toString()), null, 60);
        assertEquals(0, x.exit(), x.all());
        return dir;
    }

    /** Every entry under {@code root}: type, mode, owner, size or target or device, content, hard link count. */
    private static Map<String, String> describe(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        Map<Object, String> firstPathOfInode = new HashMap<>();
        List<Path> all = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            s.forEach(all::add);
        }
        for (Path p : all) {
            String rel = "/" + root.relativize(p).toString();
            Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,ino,nlink,rdev,size,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) a.get("mode");
            String type = Files.isSymbolicLink(p) ? "l" : Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "d"
                    : Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? "f" : "s";
            StringBuilder sb = new StringBuilder(type).append(' ').append(Integer.toOctalString(mode & 07777))
                    .append(' ').append(a.get("uid")).append(':').append(a.get("gid"));
            switch (type) {
                case "l" -> sb.append(" -> ").append(Files.readSymbolicLink(p));
                case "f" -> sb.append(" mtime=").append(a.get("lastModifiedTime")).append(" links=").append(a.get("nlink"))
                        .append(" content=").append(new String(Files.readAllBytes(p), StandardCharsets.UTF_8).hashCode())
                        .append(" same-as=").append(firstPathOfInode.computeIfAbsent(a.get("ino"), k -> rel));
                case "s" -> sb.append(" rdev=").append(a.get("rdev")).append(" fmt=").append(Integer.toOctalString(mode & 0170000));
                default -> { }
            }
            out.put(rel.equals("/") ? "/" : rel, sb.toString());
        }
        return out;
    }

    private static byte[] tarSha256(FileTree t) throws Exception {
        java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
        try (OutputStream out = new java.security.DigestOutputStream(OutputStream.nullOutputStream(), md)) {
            TarExporter.write(t, out);
        }
        return md.digest();
    }

    private static List<String> lines(Path p) throws IOException {
        return Files.readAllLines(p).stream().sorted().toList();
    }

    private static String text(FileTree t, String path) throws IOException {
        return new String(((RegularFile) t.lookup(path)).content().readAll(), StandardCharsets.UTF_8);
    }
}
