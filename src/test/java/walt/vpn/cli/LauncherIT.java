package walt.vpn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.testing.Tools;

/**
 * The checkout's {@code ./walt} launcher and its class archive: made after the first run of a
 * jar, used by the next runs, made again for a newer jar, and never heard on stdout, even
 * when it is damaged.
 */
class LauncherIT {

    private static final Path LAUNCHER = Path.of("walt").toAbsolutePath();
    private static final Path CDS = Path.of("target/cds").toAbsolutePath();
    private static final Path ARCHIVE = CDS.resolve("walt-vpn.jsa");

    @TempDir
    Path dir;

    private Tools.Result walt(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(LAUNCHER.toString()));
        cmd.addAll(List.of(args));
        return Tools.run(cmd, dir, 120, env);
    }

    /** Runs walt with the class loading logged, and says whether {@code className} came from the archive. */
    private boolean fromArchive(String className, String... args) throws Exception {
        Path log = dir.resolve("classes.log");
        Files.deleteIfExists(log);
        Tools.Result r = walt(Map.of("WALT_JAVA_OPTS", "-Xmx512m -Xlog:class+load=info:file=" + log), args);
        assertEquals(0, r.exit(), r.all());
        return Files.readString(log).contains(className + " source: shared objects file");
    }

    private static void deleteCds() throws Exception {
        if (Files.isDirectory(CDS)) {
            try (var s = Files.walk(CDS)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private static List<String> cdsFiles() throws Exception {
        try (var s = Files.list(CDS)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void eachCommandsFirstRunAddsItsClassesToTheArchive() throws Exception {
        deleteCds();
        Tools.Result first = walt(Map.of(), "--version");
        assertEquals(0, first.exit(), first.all());
        assertTrue(first.stdout().startsWith("walt-vpn "), first.stdout());
        assertEquals(List.of("--version_.classlist", "walt-vpn.jsa"), cdsFiles());

        Tools.Result again = walt(Map.of(), "--version");
        assertEquals(first.stdout(), again.stdout());
        assertTrue(fromArchive("walt.vpn.cli.WaltCommand", "--version"), "the second run did not use the archive");

        // vpn-image's first run: its command class is added, and the first command's stay.
        assertEquals(0, walt(Map.of(), "vpn-image", "--help").exit());
        assertEquals(List.of("--version_.classlist", "vpn-image_--help.classlist", "walt-vpn.jsa"), cdsFiles());
        assertTrue(fromArchive("walt.vpn.cli.VpnImageCommand", "vpn-image", "--help"));
        assertTrue(fromArchive("walt.vpn.cli.WaltCommand", "--version"));

        // An archive older than the jar belongs to another build: all of it is made again.
        FileTime jarTime = Files.getLastModifiedTime(Path.of("target/walt-vpn.jar"));
        Files.setLastModifiedTime(ARCHIVE, FileTime.fromMillis(jarTime.toMillis() - 3_600_000));
        Tools.Result third = walt(Map.of(), "--version");
        assertEquals(first.stdout(), third.stdout());
        assertEquals(List.of("--version_.classlist", "walt-vpn.jsa"), cdsFiles());
        assertTrue(Files.getLastModifiedTime(ARCHIVE).compareTo(jarTime) >= 0);
    }

    @Test
    void aDamagedArchiveOnlyCostsTime() throws Exception {
        Tools.Result plain = walt(Map.of(), "--version");
        assertEquals(0, plain.exit(), plain.all());
        byte[] junk = new byte[1 << 16];
        new java.util.Random(1).nextBytes(junk);
        Files.delete(ARCHIVE);
        Files.write(ARCHIVE, junk);
        Tools.Result damaged = walt(Map.of(), "--version");
        assertEquals(0, damaged.exit(), damaged.all());
        assertEquals(plain.stdout(), damaged.stdout());
        deleteCds();
    }
}
