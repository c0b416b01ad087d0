package walt.vpn.deb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;
import walt.vpn.tree.BytesContent;
import walt.vpn.tree.Directory;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.Metadata;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.Symlink;
import walt.vpn.tree.Timestamp;

/** Lookups in the target follow symlinks as the kernel would inside a chroot of the tree. */
class TargetPathTest {

    private static final Metadata DIR = Metadata.of(0755, Timestamp.EPOCH);
    private static final Metadata LINK = Metadata.of(0777, Timestamp.EPOCH);

    @Test
    void followsRelativeAbsoluteAndDotDotLinksWithinTheTree() {
        FileTree t = FileTree.empty(Timestamp.EPOCH);
        RegularFile sh = new RegularFile(Metadata.of(0755, Timestamp.EPOCH), BytesContent.of("#!"));
        t.put("/usr/bin/sh", sh, DIR);
        t.put("/bin", new Symlink(LINK, "usr/bin"), DIR);
        t.put("/opt/abs", new Symlink(LINK, "/usr/bin"), DIR);
        t.put("/opt/up", new Symlink(LINK, "../../../../usr"), DIR);
        t.put("/opt/loop1", new Symlink(LINK, "loop2"), DIR);
        t.put("/opt/loop2", new Symlink(LINK, "loop1"), DIR);
        t.put("/opt/file", sh, DIR);

        assertSame(sh, TargetPath.resolve(t, "/bin/sh", false).node());
        assertEquals("/usr/bin/sh", TargetPath.resolve(t, "/bin/sh", false).physical());
        assertSame(sh, TargetPath.resolve(t, "/opt/abs/sh", false).node());
        assertSame(sh, TargetPath.resolve(t, "/opt/up/bin/sh", false).node(), ".. stops at the root");
        assertSame(t.lookup("/usr/bin"), TargetPath.resolve(t, "/bin", true).node());
        assertEquals("bin", TargetPath.resolve(t, "/bin", false).name());
        assertSame(t.root(), TargetPath.resolve(t, "/bin", false).parent());

        TargetPath loop = TargetPath.resolve(t, "/opt/loop1/x", false);
        assertNull(loop.parent());
        assertEquals("/opt/loop1 (too many levels of symlinks)", loop.blockedBy().replace("loop2", "loop1"));
        TargetPath throughFile = TargetPath.resolve(t, "/opt/file/x", false);
        assertNull(throughFile.parent());
        assertEquals("/opt/file", throughFile.blockedBy());
        TargetPath missing = TargetPath.resolve(t, "/nothing/x", false);
        assertNull(missing.parent());
        assertNull(missing.blockedBy());
        assertSame(t.lookup("/opt"), TargetPath.resolve(t, "/opt/new", false).parent());
        assertNull(TargetPath.resolve(t, "/opt/new", false).node());
        assertEquals(Directory.class, TargetPath.resolve(t, "/", false).node().getClass());
    }
}
