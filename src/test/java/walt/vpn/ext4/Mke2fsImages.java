package walt.vpn.ext4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import walt.vpn.disk.ImageFile;
import walt.vpn.testing.Tools;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.InvalidDataException;
import walt.vpn.tree.RegularFile;

/** Images made by the real tools (mke2fs -d, debugfs -w), damaged the way a test says, and the real tools' verdict on them. */
final class Mke2fsImages {

    private Mke2fsImages() {
    }

    /** mke2fs -d {@code src} with {@code options} (space-separated) into a file of {@code size}. */
    static Path make(Path src, Path img, String options, String size) throws Exception {
        Tools.require("mke2fs");
        List<String> cmd = new ArrayList<>(List.of("mke2fs", "-q", "-F", "-d", src.toString()));
        cmd.addAll(List.of(options.split(" ")));
        cmd.addAll(List.of(img.toString(), size));
        Tools.Result mk = Tools.run(cmd, null, 120);
        assertEquals(0, mk.exit(), mk.all());
        return img;
    }

    /** Runs debugfs -w with these requests, one process. */
    static String debugfsWrite(Path img, String... requests) throws Exception {
        Tools.require("debugfs");
        // debugfs takes one -R only: one process per request.
        StringBuilder out = new StringBuilder();
        for (String r : requests) {
            Tools.Result res = Tools.run(List.of("debugfs", "-w", "-R", r, img.toString()), null, 60);
            out.append(res.all());
        }
        return out.toString();
    }

    /** debugfs -R request (read-only): its standard output. */
    static String debugfs(Path img, String request) throws Exception {
        Tools.require("debugfs");
        return Tools.run(List.of("debugfs", "-R", request, img.toString()), null, 60).stdout();
    }

    /** e2fsck -fn's output, asserting it found something wrong. */
    static String assertE2fsckComplains(Path img) throws Exception {
        Tools.require("e2fsck");
        Tools.Result r = Tools.run("e2fsck", "-fn", img.toString());
        assertNotEquals(0, r.exit(), "e2fsck -fn finds the damage: " + r.all());
        return r.all();
    }

    static void assertE2fsckClean(Path img) throws Exception {
        Tools.require("e2fsck");
        Tools.Result r = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, r.exit(), r.all());
    }

    /** The whole tree with every file's content read, as extract does. */
    static FileTree readAll(Path img) throws IOException {
        try (ImageFile f = ImageFile.openReadOnly(img)) {
            FileTree tree = Ext4Volume.open(f).readTree();
            tree.walk((path, n) -> {
                if (n instanceof RegularFile r) {
                    try {
                        r.content().readAll();
                    } catch (IOException ex) {
                        throw new UncheckedIOException(ex);
                    }
                }
            });
            return tree;
        } catch (UncheckedIOException u) {
            throw u.getCause();
        }
    }

    /** Reading refuses the image with one line holding every one of {@code words}. */
    static InvalidDataException assertRejected(Path img, String... words) {
        InvalidDataException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> assertThrows(InvalidDataException.class, () -> readAll(img)));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), "'" + w + "' in: " + e.getMessage());
        }
        return e;
    }

    /** The inode number debugfs gives {@code path}. */
    static long inodeOf(Path img, String path) throws Exception {
        String out = debugfs(img, "stat " + path);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("Inode: (\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return Long.parseLong(m.group(1));
    }
}
