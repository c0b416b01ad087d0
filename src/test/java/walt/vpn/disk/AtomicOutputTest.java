package walt.vpn.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An output appears under its name whole or not at all, and never leaves its temporary file. */
class AtomicOutputTest {

    @TempDir
    Path dir;

    private List<Path> files() throws IOException {
        try (var s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    private interface Commit {
        void on(AtomicOutput out) throws IOException;
    }

    private void assertReplacesTheOldFileAndLeavesNoTemporary(Commit commit) throws IOException {
        Path target = dir.resolve("out.img");
        Files.writeString(target, "old");
        try (AtomicOutput out = new AtomicOutput(target)) {
            Files.writeString(out.tempPath(), "new");
            assertEquals("old", Files.readString(target), "the old file stays until the commit");
            commit.on(out);
        }
        assertEquals("new", Files.readString(target));
        assertEquals(List.of(target), files());
    }

    @Test
    void aCommitReplacesTheOldFileAndLeavesNoTemporary() throws IOException {
        assertReplacesTheOldFileAndLeavesNoTemporary(AtomicOutput::commit);
    }

    @Test
    void aDurableCommitDoesTheSameAndForcesTheFolder() throws IOException {
        assertReplacesTheOldFileAndLeavesNoTemporary(AtomicOutput::commitDurably);
    }

    @Test
    void anOutputNeverCommittedIsRemovedAndTheOldFileKept() throws IOException {
        Path target = dir.resolve("out.img");
        Files.writeString(target, "old");
        try (AtomicOutput out = new AtomicOutput(target)) {
            Files.writeString(out.tempPath(), "half written");
        }
        assertEquals("old", Files.readString(target));
        assertEquals(List.of(target), files());
    }

    @Test
    void aMissingFolderIsRefusedUpFront() {
        java.nio.file.NoSuchFileException e = assertThrows(java.nio.file.NoSuchFileException.class, () -> new AtomicOutput(dir.resolve("absent/out.img")));
        assertEquals(dir.resolve("absent") + ": output directory does not exist", e.getMessage());
    }
}
