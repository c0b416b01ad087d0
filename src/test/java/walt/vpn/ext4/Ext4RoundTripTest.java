package walt.vpn.ext4;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.disk.ImageFile;
import walt.vpn.testing.RandomTrees;
import walt.vpn.testing.TreeAssert;
import walt.vpn.tree.FileTree;

/** Our writer, then our reader: the tree comes back whole (debugfs checks the same images elsewhere). */
class Ext4RoundTripTest {

    @TempDir
    Path dir;

    @Test
    void randomTreesRoundTrip() throws Exception {
        for (long seed = 10; seed < 16; seed++) {
            FileTree tree = RandomTrees.generate(seed, RandomTrees.Shape.SMALL_POSIX);
            Path img = Ext4WriterTest.write(tree, dir.resolve("t" + seed + ".img"), seed);
            try (ImageFile f = ImageFile.openReadOnly(img)) {
                FileTree back = Ext4Volume.open(f).readTree();
                TreeAssert.assertSameTree(tree, back, TreeAssert.Fidelity.FULL.ignoring("/lost+found"));
            }
        }
    }
}
