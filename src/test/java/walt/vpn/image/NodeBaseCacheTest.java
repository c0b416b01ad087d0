package walt.vpn.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeBaseCacheTest {

    @TempDir
    Path dir;

    @Test
    void aNewBaseRemovesOnlyTheOlderBasesOfItsRecipe() throws Exception {
        List<String> kept = List.of("rpi3bp-vpn-node-00000000000000aa", "rpi3bp-vpn-node-extra-00000000000000bb",
                "other-00000000000000cc", ".build-123", "rpi3bp-vpn-node-notakey");
        List<String> older = List.of("rpi3bp-vpn-node-0123456789abcdef", "rpi3bp-vpn-node-fedcba9876543210");
        for (String d : Stream.concat(kept.stream(), older.stream()).toList()) {
            Files.createDirectories(dir.resolve(d));
            Files.writeString(dir.resolve(d).resolve("rpi3bp-vpn-node.img"), "image");
            Files.writeString(dir.resolve(d).resolve("blocks"), "0 0\n");
        }
        NodeBaseCache.removeOlder(dir, "rpi3bp-vpn-node", "rpi3bp-vpn-node-00000000000000aa");
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(kept.stream().sorted().toList(), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void aRootfsRecipeIsNoNodeBase() throws Exception {
        Path recipe = Files.writeString(dir.resolve("r.yaml"), "name: r\ntarget: rootfs\nbase: {debian: {architecture: amd64}}\n");
        String error = org.junit.jupiter.api.Assertions.assertThrows(walt.vpn.tree.InvalidDataException.class,
                () -> new NodeBaseCache(dir.resolve("cache")).entry(recipe)).getMessage();
        assertEquals("r.yaml: target: rootfs: a node base is an SD card image (target sd-card)", error);
    }
}
