package walt.vpn.fat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.disk.ImageFile;
import walt.vpn.testing.RandomTrees;
import walt.vpn.tree.FileTree;

class FatSmokeTest {
    @Test
    void smoke() throws Exception {
        FileTree t = RandomTrees.generate(1, RandomTrees.Shape.SMALL_FAT);
        FatWriter w = new FatWriter(FatOptions.defaults().withLabel("BOOTFS"));
        long size = w.sizeFor(t);
        Path p = Path.of("/tmp/fatsmoke.img");
        Files.deleteIfExists(p);
        try (ImageFile img = ImageFile.createSparse(p, size)) {
            w.write(t, img);
        }
    }
}
