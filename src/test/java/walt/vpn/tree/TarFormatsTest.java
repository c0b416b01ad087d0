package walt.vpn.tree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.testing.Tools;
import walt.vpn.testing.TreeAssert;
import walt.vpn.testing.TreeAssert.Fidelity;

/** GNU tar's other formats (gnu, ustar, v7) read the same as its PAX output, within their limits. */
class TarFormatsTest {

    @TempDir
    Path tmp;

    @Test
    void everyGnuTarFormatImports() throws Exception {
        Tools.require("tar");
        Path src = Files.createDirectory(tmp.resolve("src"));
        Files.createDirectories(src.resolve("a/b"));
        Files.writeString(src.resolve("a/b/file"), "content");
        Files.createLink(src.resolve("a/hard"), src.resolve("a/b/file"));
        Files.createSymbolicLink(src.resolve("a/sym"), Path.of("b/file"));
        Files.writeString(src.resolve("a/" + "long".repeat(30)), "long name");
        FileTree expected = new HostDirectoryReader(src).keepOwners(true).read();
        for (String format : List.of("gnu", "oldgnu", "ustar", "v7", "posix")) {
            Path tar = tmp.resolve(format + ".tar");
            List<String> cmd = new ArrayList<>(List.of("tar", "--format=" + format, "-cf", tar.toString(), "-C", src.toString(), "."));
            Tools.Result r = Tools.run(cmd, null, 60);
            if (format.equals("ustar") || format.equals("v7")) {
                // Names over 100 bytes do not fit these formats: GNU tar leaves that file out.
                assertTrue(r.stderr().contains("too long") || r.exit() == 0, r.all());
            } else {
                assertEquals(0, r.exit(), format + ": " + r.all());
            }
            List<String> warnings = new ArrayList<>();
            FileTree got = TarImporter.read(tar, warnings::add);
            boolean seconds = !format.equals("posix");
            Fidelity f = new Fidelity(true, true, !seconds, false,
                    format.equals("ustar") || format.equals("v7") ? Set.of("/a/" + "long".repeat(30)) : Set.of());
            TreeAssert.assertSameTree(expected, got, f);
            assertEquals(List.of(), warnings, format);
        }
    }
}
