package walt.vpn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.testing.Tools;

/**
 * The {@code ./walt} launcher and its class data sharing archive, on a copy of the launcher
 * and the packaged jar (the checkout's own target/cds is left alone): a command's first run
 * lists its classes (unless it fails), the next run of walt puts them in the archive, later
 * runs load them from it; a new jar starts afresh; exit codes and stdout are the command's own
 * whatever the archive's state.
 */
class LauncherIT {

    @TempDir
    Path home;

    private Path cds;
    private Path tree;

    @BeforeEach
    void copyLauncher() throws Exception {
        Files.copy(Path.of("walt"), home.resolve("walt"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        Files.createDirectories(home.resolve("target"));
        Files.copy(WaltJar.jar(), home.resolve("target/walt-vpn.jar"));
        cds = home.resolve("target/cds");
        tree = Files.createDirectories(home.resolve("tree/boot"));
        Files.writeString(tree.resolve("config.txt"), "arm_64bit=1\n");
    }

    private Tools.Result walt(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(home.resolve("walt").toString()));
        cmd.addAll(List.of(args));
        return Tools.run(cmd, home, 120, env);
    }

    private Tools.Result mkfs() throws Exception {
        Files.deleteIfExists(home.resolve("boot.fat"));
        return walt(Map.of(), "vpn-image", "mkfs", "fat", "--from", home.resolve("tree").toString(), "--size", "40M",
                "-o", home.resolve("boot.fat").toString());
    }

    private List<String> cdsFiles() throws Exception {
        try (var s = Files.list(cds)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.equals(".lock") && !n.equals("stamp"))
                    .map(n -> n.replaceFirst("\\.[0-9]+$", ".PID")).sorted().toList();
        }
    }

    @Test
    void aCommandsFirstRunListsItsClassesAndTheNextRunArchivesThem() throws Exception {
        Tools.Result version = walt(Map.of(), "--version");
        assertEquals(0, version.exit(), version.all());
        assertTrue(version.stdout().startsWith("walt-vpn "), version.stdout());
        assertEquals(List.of(), cdsFiles(), "a version run stands for no command");

        Tools.Result first = mkfs();
        assertEquals(0, first.exit(), first.all());
        assertEquals(List.of(".pending.vpn-image_mkfs.PID"), cdsFiles());

        Tools.Result next = walt(Map.of(), "--version");
        assertEquals(version.stdout(), next.stdout());
        assertEquals(List.of("vpn-image_mkfs.classlist", "walt-vpn.jsa"), cdsFiles());
        assertTrue(Files.readString(cds.resolve("vpn-image_mkfs.classlist")).contains("walt/vpn/fat/FatWriter\n"));

        // -Xshare:on: the JVM refuses to start unless it maps the archive.
        Tools.Result shared = Tools.run(List.of(home.resolve("walt").toString(), "vpn-image", "mkfs", "fat", "--from",
                home.resolve("tree").toString(), "--size", "40M", "-o", home.resolve("again.fat").toString()), home, 120,
                Map.of("JAVA_TOOL_OPTIONS", "-Xshare:on"));
        assertEquals(0, shared.exit(), shared.all());
        assertEquals(List.of("vpn-image_mkfs.classlist", "walt-vpn.jsa"), cdsFiles());
    }

    @Test
    void aFailedFirstRunListsNothingAndTheNextRunListsAgain() throws Exception {
        Tools.Result failed = walt(Map.of(), "vpn-image", "mkfs", "fat", "--from", home.resolve("no-such-tree").toString(),
                "-o", home.resolve("boot.fat").toString());
        assertEquals(2, failed.exit(), failed.all());
        assertEquals(List.of(), cdsFiles(), "a failed run loaded too little to stand for its command");

        assertEquals(0, mkfs().exit());
        assertEquals(List.of(".pending.vpn-image_mkfs.PID"), cdsFiles());
        assertEquals(0, walt(Map.of(), "--version").exit());
        assertEquals(List.of("vpn-image_mkfs.classlist", "walt-vpn.jsa"), cdsFiles());
        assertTrue(Files.readString(cds.resolve("vpn-image_mkfs.classlist")).contains("walt/vpn/fat/FatWriter\n"));
    }

    @Test
    void aNewJarStartsAfresh() throws Exception {
        assertEquals(0, mkfs().exit());
        assertEquals(0, walt(Map.of(), "--version").exit());
        assertTrue(Files.isRegularFile(cds.resolve("walt-vpn.jsa")));
        // Other JVM options would not match the archive: it is made again for them.
        assertEquals(0, walt(Map.of("WALT_JAVA_OPTS", "-Xmx256m"), "--version").exit());
        assertEquals(List.of(), cdsFiles());
        assertEquals(0, mkfs().exit());
        assertEquals(0, walt(Map.of(), "--version").exit());
        assertEquals(List.of("vpn-image_mkfs.classlist", "walt-vpn.jsa"), cdsFiles());
        Path jar = home.resolve("target/walt-vpn.jar");
        Files.setLastModifiedTime(jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 60_000));
        Tools.Result after = walt(Map.of(), "--version");
        assertEquals(0, after.exit(), after.all());
        assertEquals(List.of(), cdsFiles());
    }

    @Test
    void aTreeTooLargeForTheHeapEndsInOneLine() throws Exception {
        Path big = home.resolve("big");
        for (int d = 0; d < 300; d++) {
            Path dir = Files.createDirectories(big.resolve("d" + d));
            for (int f = 0; f < 200; f++) {
                Files.createFile(dir.resolve("file-with-a-longer-name-" + f));
            }
        }
        failsInOneLineLeavingNoOutput("-Xmx24m", "walt: out of memory: the tree does not fit in Java's heap",
                "ext4", "--from", big.toString());
    }

    @Test
    void aTreeNestedTooDeeplyForTheStackEndsInOneLineAndLeavesNoOutput() throws Exception {
        Path tar = home.resolve("deep.tar");
        try (var out = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(Files.newOutputStream(tar))) {
            out.setLongFileMode(org.apache.commons.compress.archivers.tar.TarArchiveOutputStream.LONGFILE_POSIX);
            StringBuilder path = new StringBuilder();
            for (int i = 0; i < 1500; i++) {
                path.append("d/");
                out.putArchiveEntry(new org.apache.commons.compress.archivers.tar.TarArchiveEntry(path.toString()));
                out.closeArchiveEntry();
            }
        }
        // With a seed and a size given, no walk precedes the writer's own: the stack overflows
        // once the temporary output exists (checked with strace), which must not outlive the error.
        failsInOneLineLeavingNoOutput("-Xss256k", "walt: Java's stack overflowed, most likely on a tree nested thousands of folders deep",
                "fat", "--seed", "deep", "--size", "64M", "--from", tar.toString());
    }

    /** {@code walt vpn-image mkfs ARGS -o out/fs.img} in a JVM with {@code limit}: status 1, one line, no file in out/. */
    private void failsInOneLineLeavingNoOutput(String limit, String message, String... mkfsArgs) throws Exception {
        Path out = Files.createDirectories(home.resolve("out"));
        List<String> args = new ArrayList<>(List.of("vpn-image", "mkfs"));
        args.addAll(List.of(mkfsArgs));
        args.addAll(List.of("-o", out.resolve("fs.img").toString()));
        Tools.Result r = walt(Map.of("WALT_JAVA_OPTS", limit + " -XX:+UseParallelGC -XX:TieredStopAtLevel=1"), args.toArray(String[]::new));
        assertEquals(1, r.exit(), r.all());
        assertTrue(r.stderr().startsWith(message), r.stderr());
        assertEquals(1, r.stderr().lines().count(), r.stderr());
        try (var s = Files.list(out)) {
            assertEquals(List.of(), s.toList(), "no image, no temporary file");
        }
    }

    @Test
    void exitCodesAndStdoutAreTheCommandsWhateverTheArchive() throws Exception {
        Tools.Result bad = walt(Map.of(), "vpn", "nodes", "--no-such-option");
        assertEquals(2, bad.exit(), bad.all());
        assertEquals("", bad.stdout());
        assertTrue(bad.stderr().startsWith("walt: "), bad.stderr());

        Tools.Result plain = walt(Map.of(), "--version");
        byte[] junk = new byte[1 << 16];
        new java.util.Random(1).nextBytes(junk);
        Files.write(cds.resolve("walt-vpn.jsa"), junk);
        Tools.Result damaged = walt(Map.of(), "--version");
        assertEquals(0, damaged.exit(), damaged.all());
        assertEquals(plain.stdout(), damaged.stdout());

        // No room for an archive at all: the command still runs.
        Tools.run("rm", "-rf", cds.toString());
        Files.writeString(cds, "not a folder\n");
        Tools.Result noRoom = mkfs();
        assertEquals(0, noRoom.exit(), noRoom.all());
        assertTrue(Files.isRegularFile(home.resolve("boot.fat")));
    }

    /**
     * A newcomer's first command builds the jar; into a log or a pipe (as here: stderr is a
     * file), neither that build nor the command writes a terminal escape code.
     */
    @Test
    void aFirstBuildIntoALogHasNoEscapeCodes() throws Exception {
        Path checkout = Files.createDirectories(home.resolve("checkout"));
        Files.copy(Path.of("walt"), checkout.resolve("walt"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        Files.copy(Path.of("pom.xml"), checkout.resolve("pom.xml"));
        for (String tree : List.of("src/main", "templates")) {
            Tools.Result cp = Tools.run(List.of("cp", "-a", "--parents", tree, checkout.toString()), Path.of("."), 60);
            assertEquals(0, cp.exit(), cp.all());
        }
        Tools.Result first = Tools.run(List.of(checkout.resolve("walt").toString(), "--version"), checkout, 600, Map.of());
        assertEquals(0, first.exit(), first.all());
        assertTrue(Files.isRegularFile(checkout.resolve("target/walt-vpn.jar")), "the jar was built");
        assertTrue(first.stdout().startsWith("walt"), first.stdout());
        assertTrue(first.all().indexOf('\u001b') < 0, "escape codes: " + first.all().replace("\u001b", "ESC"));
    }
}
