package walt.vpn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import walt.vpn.tree.BytesContent;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.Metadata;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.Timestamp;

class TreeFingerprintTest {

    private static final Timestamp T = Timestamp.ofSeconds(1_700_000_000L);
    private static final Metadata DIR = Metadata.of(0755, T);

    private static FileTree tree(Consumer<FileTree> fill) {
        FileTree t = FileTree.empty(T);
        fill.accept(t);
        return t;
    }

    private static RegularFile file(int mode, String text, Timestamp mtime) {
        return new RegularFile(Metadata.of(mode, mtime), BytesContent.of(text));
    }

    private static final Consumer<FileTree> BASE = t -> {
        t.put("/etc/hostname", file(0644, "node\n", T), DIR);
        t.put("/usr/bin/tool", file(0755, "#!/bin/sh\n", T), DIR);
    };

    @Test
    void equalTreesGiveEqualFingerprints() {
        assertEquals(TreeFingerprint.of(tree(BASE)), TreeFingerprint.of(tree(BASE)));
    }

    @Test
    void everyHashedFieldChangesTheFingerprint() {
        long base = TreeFingerprint.of(tree(BASE));
        assertNotEquals(base, TreeFingerprint.of(tree(t -> {
            t.put("/etc/hostnamf", file(0644, "node\n", T), DIR);
            t.put("/usr/bin/tool", file(0755, "#!/bin/sh\n", T), DIR);
        })), "name");
        assertNotEquals(base, TreeFingerprint.of(tree(t -> {
            t.put("/etc/hostname", file(0600, "node\n", T), DIR);
            t.put("/usr/bin/tool", file(0755, "#!/bin/sh\n", T), DIR);
        })), "mode");
        assertNotEquals(base, TreeFingerprint.of(tree(t -> {
            t.put("/etc/hostname", file(0644, "node2\n", T), DIR);
            t.put("/usr/bin/tool", file(0755, "#!/bin/sh\n", T), DIR);
        })), "size");
        assertNotEquals(base, TreeFingerprint.of(tree(t -> {
            t.put("/etc/hostname", file(0644, "node\n", Timestamp.ofSeconds(1_700_000_001L)), DIR);
            t.put("/usr/bin/tool", file(0755, "#!/bin/sh\n", T), DIR);
        })), "mtime");
    }

    @Test
    void theSameNamesInAnotherShapeDiffer() {
        // /a/b/c as a chain of directories, or b and c side by side in /a: same names in the same order.
        long chain = TreeFingerprint.of(tree(t -> t.put("/a/b/c", file(0644, "", T), DIR)));
        long flat = TreeFingerprint.of(tree(t -> {
            t.put("/a/b", new walt.vpn.tree.Directory(DIR), DIR);
            t.put("/a/c", file(0644, "", T), DIR);
        }));
        assertNotEquals(chain, flat);
    }

    @Test
    void aSeedTextIsHashedToo() {
        assertEquals(TreeFingerprint.ofText("lab-1"), TreeFingerprint.ofText("lab-1"));
        assertNotEquals(TreeFingerprint.ofText("lab-1"), TreeFingerprint.ofText("lab-2"));
    }
}
