package walt.vpn.deb;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.testing.Tools;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.TarExporter;
import walt.vpn.tree.Timestamp;

/** The first-boot files as their own tools see them: shellcheck for the script, systemd for the unit. */
class FirstBootConfigureTest {

    @TempDir
    Path tmp;

    private Path written() throws Exception {
        FileTree t = FileTree.empty(Timestamp.EPOCH);
        FirstBootConfigure.writeTo(t, List.of(), Timestamp.EPOCH);
        Path tar = tmp.resolve("fb.tar");
        try (OutputStream out = Files.newOutputStream(tar)) {
            TarExporter.write(t, out);
        }
        Path root = tmp.resolve("root");
        Files.createDirectories(root);
        Tools.Result x = Tools.run(List.of("tar", "-xpf", tar.toString(), "-C", root.toString()), null, 60);
        assertEquals(0, x.exit(), x.all());
        return root;
    }

    @Test
    void scriptIsCleanPosixShell() throws Exception {
        Tools.require("shellcheck");
        Path root = written();
        Tools.Result r = Tools.run(List.of("shellcheck", "-s", "sh", root.resolve(FirstBootConfigure.SCRIPT.substring(1)).toString()), null, 60);
        assertEquals(0, r.exit(), r.all());
        Tools.Result n = Tools.run(List.of("sh", "-n", root.resolve(FirstBootConfigure.SCRIPT.substring(1)).toString()), null, 60);
        assertEquals(0, n.exit(), n.all());
    }

    @Test
    void unitPassesSystemdVerifyAndIsEnabledForSysinit() throws Exception {
        Tools.require("systemd-analyze");
        Path root = written();
        Tools.Result r = Tools.run(List.of("systemd-analyze", "verify", "--man=no", "--root=" + root, FirstBootConfigure.UNIT), null, 60);
        assertEquals(0, r.exit(), r.all());
        assertEquals("", r.all(), "systemd-analyze has remarks about the unit");
        assertEquals(Path.of(FirstBootConfigure.UNIT), Files.readSymbolicLink(root.resolve(FirstBootConfigure.UNIT_WANTS_LINK.substring(1))));
        assertEquals("", Files.readString(root.resolve(FirstBootConfigure.STATE.substring(1) + "/preinst")));
    }
}
