package walt.vpn.image.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.tree.InvalidDataException;

class RecipeReaderTest {

    @TempDir
    Path dir;

    @Test
    void everyRecipeOfTheProjectReads() throws Exception {
        List<Path> recipes;
        try (Stream<Path> s = Stream.concat(Files.walk(Path.of("image-recipes")), Files.walk(Path.of("test-images")))) {
            recipes = s.filter(p -> p.toString().endsWith(".yaml")).toList();
        }
        assertTrue(recipes.size() >= 2, recipes.toString());
        for (Path p : recipes) {
            Recipe r = RecipeReader.read(p);
            assertEquals(p.getFileName().toString().replace(".yaml", ""), r.name(), "output named after its recipe: " + p);
        }
        Recipe base = RecipeReader.read(Path.of("image-recipes/rpi3bp-base.yaml"));
        assertEquals("trixie", base.base().suite());
        assertTrue(base.base().essential());
        assertTrue(base.packages().containsAll(List.of("openssh-server", "systemd-sysv")));
        assertTrue(base.base().components().contains("non-free-firmware"), "raspi-firmware lives there");
    }

    private String error(String yaml) throws Exception {
        Path f = dir.resolve("r.yaml");
        Files.writeString(f, yaml);
        return assertThrows(InvalidDataException.class, () -> RecipeReader.read(f)).getMessage();
    }

    private static final String OK = "name: r\nbase:\n  debian:\n    suite: trixie\n";

    @Test
    void mistakesAreNamedWithTheirKey() throws Exception {
        assertEquals("r.yaml: base.debian.suit: unknown key (did you mean 'suite'?)", error("name: r\nbase:\n  debian:\n    suit: trixie\n"));
        assertEquals("r.yaml: pakages: unknown key (did you mean 'packages'?)", error(OK + "pakages: [a]\n"));
        assertEquals("r.yaml: packages[1]: 'Foo Bar' is not a Debian package name", error(OK + "packages: [ok, Foo Bar]\n"));
        assertEquals("r.yaml: base: missing", error("name: r\n"));
        assertEquals("r.yaml: name: 'a/b' must be 1-64 letters, digits, '.', '_' or '-'", error("name: a/b\nbase: {debian: {}}\n"));
        assertTrue(error(OK + "overlays: [/etc]\n").contains("overlays[0]: '/etc' must be relative to the recipe's folder"));
        assertTrue(error(OK + "files:\n  - {path: /etc/x, content: a, mode: 644}\n").contains("files[0].mode: '644' must be a quoted octal mode"));
        assertTrue(error(OK + "files:\n  - {path: /etc/x, content: a, mode: \"9\"}\n").contains("files[0].mode: '9' is not an octal mode"));
        assertTrue(error(OK + "files:\n  - {path: etc/x, content: a}\n").contains("files[0].path: must be an absolute path"));
        assertTrue(error(OK + "files:\n  - {path: /etc/x, content: a, source: b}\n").contains("files[0]: give exactly one of content and source"));
        assertTrue(error(OK + "partitions: {root: 2X}\n").contains("partitions.root: '2X' is not auto or a size"));
        assertTrue(error(OK + "outputs: {formats: [raw, zip]}\n").contains("outputs.formats[1]: 'zip' is not one of raw, zst, xz"));
        assertTrue(error("name: r\nbase:\n  debian:\n    mirror: ftp://x/\n").contains("base.debian: mirror must be an http, https or file URL"));
        assertTrue(error("name: [unclosed\n").startsWith("r.yaml: not valid YAML"));
        assertTrue(error("- a list\n").contains("must be a mapping"));
    }

    @Test
    void sizesAndModesAreRead() throws Exception {
        Path f = dir.resolve("r.yaml");
        Files.writeString(dir.resolve("payload"), "bytes");
        Files.writeString(f, OK + "partitions: {boot: 256M, root: 2G}\nfiles:\n  - {path: /usr/bin/x, source: payload, mode: \"0755\", owner: 1000, group: 100}\n");
        Recipe r = RecipeReader.read(f);
        assertEquals(256L << 20, r.partitions().bootBytes());
        assertEquals(2L << 30, r.partitions().rootBytes());
        Recipe.FileSpec x = r.files().get(0);
        assertEquals(0755, x.mode());
        assertEquals(1000, x.uid());
        assertEquals("bytes", new String(x.content()));
    }
}
