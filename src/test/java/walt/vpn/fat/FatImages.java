package walt.vpn.fat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import walt.vpn.testing.Tools;
import walt.vpn.testing.TreeAssert;
import walt.vpn.tree.Directory;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.Metadata;
import walt.vpn.tree.Node;
import walt.vpn.tree.PathContent;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.Timestamp;

/** The oracles FAT tests share: fsck.fat, mtools read-back, and trees seen the way FAT keeps them. */
final class FatImages {

    static final Map<String, String> ENV = Map.of("LC_ALL", "C.UTF-8", "TZ", "UTC", "MTOOLS_SKIP_CHECK", "1");
    static final TreeAssert.Fidelity FAT = new TreeAssert.Fidelity(false, false, false, false, Set.of());

    private FatImages() {
    }

    static Tools.Result run(String... cmd) throws IOException, InterruptedException {
        return Tools.run(List.of(cmd), null, 120, ENV);
    }

    /** fsck.fat -n must say nothing but its banner and the "N files, N/N clusters" summary. */
    static void assertFsckClean(Path image) throws Exception {
        Tools.require("fsck.fat");
        Tools.Result r = run("fsck.fat", "-n", image.toString());
        List<String> lines = r.all().lines().filter(l -> !l.isBlank()).toList();
        String msg = "fsck.fat -n " + image + ":\n" + r.all();
        assertEquals(0, r.exit(), msg);
        assertEquals(2, lines.size(), msg);
        assertTrue(lines.get(0).startsWith("fsck.fat "), msg);
        assertTrue(lines.get(1).matches(".*: \\d+ files, \\d+/\\d+ clusters"), msg);
    }

    /** Everything on the image copied out by mcopy (mtimes kept) into a fresh host directory. */
    static Path mcopyOut(Path image, Path into) throws Exception {
        Tools.require("mcopy");
        Files.createDirectories(into);
        Tools.Result ls = run("mdir", "-b", "-i", image.toString(), "::/");
        if (ls.stdout().isBlank()) {
            return into;
        }
        Tools.Result r = run("mcopy", "-s", "-m", "-n", "-i", image.toString(), "::/*", into.toString() + "/");
        assertEquals(0, r.exit(), "mcopy: " + r.all());
        return into;
    }

    /** A host directory as a tree: names, contents, file mtimes. */
    static FileTree hostTree(Path dir) throws IOException {
        FileTree t = FileTree.empty(Timestamp.EPOCH);
        fill(t.root(), dir);
        return t;
    }

    private static void fill(Directory d, Path dir) throws IOException {
        List<Path> kids;
        try (Stream<Path> s = Files.list(dir)) {
            kids = s.toList();
        }
        for (Path p : kids) {
            Timestamp m = Timestamp.of(Files.getLastModifiedTime(p).toInstant());
            if (Files.isDirectory(p)) {
                Directory sub = new Directory(Metadata.of(0755, m));
                d.put(p.getFileName().toString(), sub);
                fill(sub, p);
            } else {
                d.put(p.getFileName().toString(), new RegularFile(Metadata.of(0644, m), new PathContent(p, Files.size(p))));
            }
        }
    }

    /**
     * What FAT keeps of a tree: 2-second mtimes (rounded down), 0755 directories, 0644 files or
     * 0444 without any write bit, root-owned, hard links as separate files. With
     * {@code dirTimes} false, directory mtimes are left out (mcopy does not restore them), and
     * with {@code readOnly} false so is the read-only attribute.
     */
    static FileTree fatView(FileTree t, boolean dirTimes, boolean readOnly) {
        return new FileTree(view(t.root(), dirTimes, readOnly, true));
    }

    private static Directory view(Directory d, boolean dirTimes, boolean readOnly, boolean root) {
        Timestamp m = dirTimes && !root ? even(d.metadata().mtime()) : Timestamp.EPOCH;
        Directory out = new Directory(Metadata.of(0755, m));
        for (Map.Entry<String, Node> e : d.children().entrySet()) {
            Node n = e.getValue();
            if (n instanceof Directory sub) {
                out.put(e.getKey(), view(sub, dirTimes, readOnly, false));
            } else {
                RegularFile f = (RegularFile) n;
                int perm = readOnly && (f.metadata().permissions() & 0222) == 0 ? 0444 : 0644;
                out.put(e.getKey(), new RegularFile(Metadata.of(perm, even(f.metadata().mtime())), f.content()));
            }
        }
        return out;
    }

    static Timestamp even(Timestamp t) {
        return Timestamp.ofSeconds(Math.floorDiv(t.seconds(), 2) * 2);
    }
}
