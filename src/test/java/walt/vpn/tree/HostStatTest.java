package walt.vpn.tree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.testing.Tools;

/**
 * The stat of host paths read from the JDK's own fields gives what the named attributes give,
 * for every kind of file and the mode bits Java's permission sets leave out.
 */
class HostStatTest {

    @TempDir
    Path dir;

    @Test
    void theJdkFieldsAreReadWhenOpenedToUs() {
        // The build opens java.base/sun.nio.fs to the tests as the jar's manifest does to walt.
        assertTrue(HostStat.readsJdkFields(), "the fast path is the one under test");
    }

    @Test
    void bothWaysAgreeOnEveryKindOfFile() throws Exception {
        List<Path> paths = new ArrayList<>();
        Path file = Files.writeString(dir.resolve("setuid"), "x\n");
        run("chmod", "4755", file.toString());
        Files.setLastModifiedTime(file, FileTime.from(Instant.ofEpochSecond(1_700_000_000L, 123_456_789)));
        Path sticky = Files.createDirectory(dir.resolve("sticky"));
        run("chmod", "3775", sticky.toString());
        Path link = Files.createSymbolicLink(dir.resolve("link"), Path.of("setuid"));
        Path hard = Files.createLink(dir.resolve("hard"), file);
        Path fifo = dir.resolve("fifo");
        run("mkfifo", fifo.toString());
        paths.addAll(List.of(dir, file, sticky, link, hard, fifo));

        for (Path p : paths) {
            assertEquals(HostStat.byAttributeNames(p), HostStat.of(p), p.toString());
        }
        HostStat s = HostStat.of(file);
        assertEquals(0104755, s.mode(), "regular file with setuid");
        assertEquals(2, s.nlink());
        assertEquals(new Timestamp(1_700_000_000L, 123_456_789), s.mtime());
        assertEquals(2, s.size());
        assertEquals(HostStat.of(hard).ino(), s.ino());
        assertEquals(043775, HostStat.of(sticky).mode(), "directory with setgid and sticky bits");

        // Beyond 2262 the JDK's named attributes keep microseconds only; the fields keep it all.
        Path far = Files.writeString(dir.resolve("far"), "");
        run("touch", "-m", "-d", "2300-01-01 00:00:00.123456789 UTC", far.toString()); // Java's own setter stops at 2262
        assertEquals(new Timestamp(Instant.parse("2300-01-01T00:00:00Z").getEpochSecond(), 123_456_789), HostStat.of(far).mtime());
        assertEquals(FileType.SYMLINK, FileType.ofMode(HostStat.of(link).mode()));
        assertEquals(FileType.FIFO, FileType.ofMode(HostStat.of(fifo).mode()));
    }

    @Test
    void deviceNumbersAreDecodedAsGlibcDoes() throws Exception {
        Tools.requireRoot();
        Path small = dir.resolve("null");
        run("mknod", small.toString(), "c", "1", "3");
        // A minor above 255 spills into glibc's high bits; a major above 255 into its second byte
        // (Linux keeps majors under 4096).
        Path large = dir.resolve("large");
        run("mknod", large.toString(), "b", "300", "1048000");
        for (Path p : List.of(small, large)) {
            assertEquals(HostStat.byAttributeNames(p), HostStat.of(p), p.toString());
        }
        assertEquals(List.of(1, 3), List.of(HostStat.of(small).rdevMajor(), HostStat.of(small).rdevMinor()));
        assertEquals(List.of(300, 1048000), List.of(HostStat.of(large).rdevMajor(), HostStat.of(large).rdevMinor()));
        assertEquals(FileType.BLOCK_DEVICE, FileType.ofMode(HostStat.of(large).mode()));
    }

    private static void run(String... command) throws Exception {
        Tools.Result r = Tools.run(command);
        Assumptions.assumeTrue(r.exit() == 0 || !command[0].equals("mknod"), "mknod refused here: " + r.all());
        assertEquals(0, r.exit(), r.all());
    }
}
