package walt.vpn.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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

    /** The guess that lets setup-node copy before it has read the recipe: one cached base of that name, or none. */
    @Test
    void theSoleCachedBaseOfARecipesNameIsTheGuess() throws Exception {
        NodeBaseCache cache = new NodeBaseCache(dir.resolve("cache"));
        Path recipe = dir.resolve("node.yaml");
        Path images = dir.resolve("cache/node-images");
        assertNull(cache.soleCachedGuess(recipe), "no cache yet");
        Path one = base(images, "node-0123456789abcdef", "node", true);
        base(images, "other-0123456789abcdef", "other", true);
        base(images, "node-0123456789abcdeg", "node", true);      // not a key
        base(images, "node-extra-0123456789abcdef", "node", true);  // another recipe's name
        assertEquals(one, cache.soleCachedGuess(recipe));
        Path two = base(images, "node-fedcba9876543210", "node", false);
        assertEquals(one, cache.soleCachedGuess(recipe), "a base without its block runs is still being made");
        java.nio.file.Files.writeString(two.resolveSibling("blocks"), "0 0\n");
        assertNull(cache.soleCachedGuess(recipe), "two bases: no guess");
    }

    private static Path base(Path images, String dirName, String stem, boolean runs) throws Exception {
        Path d = java.nio.file.Files.createDirectories(images.resolve(dirName));
        Path img = java.nio.file.Files.writeString(d.resolve(stem + ".img"), "image");
        if (runs) {
            java.nio.file.Files.writeString(d.resolve("blocks"), "0 0\n");
        }
        return img;
    }
}
