package walt.vpn.tree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Names as the host lists them: kept exactly, in the tree's order, or refused when they cannot be. */
class HostDirectoryNamesTest {

    @TempDir
    Path dir;

    /** Java cannot name a file with bytes that are not UTF-8: the shell's printf can. */
    private static void touchWithByte0377(Path dir, String printfName) throws Exception {
        Process touch = new ProcessBuilder("sh", "-c", "touch \"$1/$(printf '" + printfName + "')\"", "sh", dir.toString())
                .inheritIO().start();
        assertEquals(0, touch.waitFor());
    }

    @Test
    void namesAreKeptExactlyAndInStringOrder() throws Exception {
        Path top = Files.createDirectories(dir.resolve("top"));
        List<String> names = List.of("zeta", "Alpha", "été", "日本語", "a b", "-dash", ".hidden", "a");
        for (String n : names) {
            Files.writeString(top.resolve(n), n);
        }
        Files.createDirectories(top.resolve("sub/deeper"));
        Files.writeString(top.resolve("sub/deeper/file"), "x");

        FileTree tree = new HostDirectoryReader(top).read();
        List<String> expected = new ArrayList<>(names);
        expected.add("sub");
        expected.sort(null);
        assertEquals(expected, new ArrayList<>(tree.root().children().keySet()));
        for (String n : names) {
            assertEquals(n, new String(((RegularFile) tree.lookup("/" + n)).content().readAll(), "UTF-8"));
        }
        assertTrue(tree.lookup("/sub/deeper/file") instanceof RegularFile);
    }

    @Test
    void aNameThatIsNotUtf8IsRefusedNotRenamed() throws Exception {
        assumeTrue("UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding")), "the JVM does not decode names as UTF-8 here");
        Path top = Files.createDirectories(dir.resolve("top"));
        touchWithByte0377(top, "bad\\377name");
        assertEquals(1, top.toFile().list().length);

        IOException e = assertThrows(IOException.class, () -> new HostDirectoryReader(top).read());
        assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
        assertTrue(e.getMessage().startsWith(top.toString()), e.getMessage());
    }

    @Test
    void aBadNameThatDecodesAsAnotherFilesNameIsRefusedToo() throws Exception {
        assumeTrue("UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding")), "the JVM does not decode names as UTF-8 here");
        Path top = Files.createDirectories(dir.resolve("top"));
        // "a\uFFFDb" in UTF-8 beside "a", a byte that is not UTF-8, "b": both decode to "a\uFFFDb".
        Files.writeString(top.resolve("a\uFFFDb"), "good");
        touchWithByte0377(top, "a\\377b");
        assertEquals(2, top.toFile().list().length);

        IOException e = assertThrows(IOException.class, () -> new HostDirectoryReader(top).read());
        assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
    }

    @Test
    void aMissingFolderIsAnError() {
        IOException e = assertThrows(IOException.class, () -> new HostDirectoryReader(dir.resolve("absent")).read());
        assertTrue(e.getMessage().contains("absent"), e.getMessage());
    }
}
