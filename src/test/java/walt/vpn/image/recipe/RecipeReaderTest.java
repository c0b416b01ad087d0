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
        Recipe.DebianBase debian = (Recipe.DebianBase) base.base();
        assertEquals("trixie", debian.apt().suite());
        assertTrue(debian.essential());
        assertTrue(base.packages().containsAll(List.of("openssh-server", "systemd-sysv")));
        assertTrue(debian.apt().components().contains("non-free-firmware"), "raspi-firmware lives there");
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

    private static final String SHA = "ab".repeat(32);

    private static final String ROOTFS = "name: r\ntarget: rootfs\nbase:\n  debian: {suite: bookworm, architecture: amd64}\n";

    @Test
    void theTargetIsReadAndARootfsNamesItsTarFormats() throws Exception {
        Path f = dir.resolve("r.yaml");
        Files.writeString(f, OK);
        Recipe card = RecipeReader.read(f);
        assertEquals(Recipe.Target.SD_CARD, card.target(), "an SD card image by default");
        assertEquals("r.img", card.target().fileName(card.name()));
        Files.writeString(f, "target: sd-card\n" + OK + "partitions: {root: 2G}\noutputs: {bmap: true}\n");
        assertEquals(Recipe.Target.SD_CARD, RecipeReader.read(f).target());

        Files.writeString(f, ROOTFS + "packages: [openssh-client]\n");
        Recipe root = RecipeReader.read(f);
        assertEquals(Recipe.Target.ROOTFS, root.target());
        assertEquals("r.tar", root.target().fileName(root.name()));
        assertEquals("amd64", root.base().apt().architecture());
        assertEquals(List.of(walt.vpn.image.output.ImageFormat.raw), root.outputs().formats(), "the tar alone by default");
        Files.writeString(f, ROOTFS + "outputs: {formats: [tar, tar.zst, tar.xz]}\n");
        assertEquals(List.of(walt.vpn.image.output.ImageFormat.raw, walt.vpn.image.output.ImageFormat.zst, walt.vpn.image.output.ImageFormat.xz),
                RecipeReader.read(f).outputs().formats());
    }

    /** Keys that only mean something for an SD card are refused for a rootfs, in one line that names them. */
    @Test
    void aRootfsRefusesWhatOnlyAnSdCardHas() throws Exception {
        Files.write(dir.resolve("base.img"), new byte[] {1});
        List<String> errors = List.of(
                error("name: r\ntarget: tarball\n" + OK.substring("name: r\n".length())),
                error("name: r\ntarget: rootfs\nbase:\n  image: {path: base.img, sha256: " + SHA + "}\n"),
                error(ROOTFS + "boot: {cmdline: [quiet]}\n"),
                error(ROOTFS + "partitions: {root: 2G}\n"),
                error(ROOTFS + "outputs: {formats: [tar], bmap: false}\n"),
                error(ROOTFS + "outputs: {formats: [raw]}\n"),
                error(OK + "outputs: {formats: [tar]}\n"));
        assertEquals(List.of(
                "r.yaml: target: 'tarball' is not sd-card or rootfs",
                "r.yaml: base.image: only for target sd-card, not rootfs: a rootfs is made from packages: give base.debian",
                "r.yaml: boot: only for target sd-card, not rootfs: a rootfs tar has no boot partition, kernel or partition table",
                "r.yaml: partitions: only for target sd-card, not rootfs: a rootfs tar has no boot partition, kernel or partition table",
                "r.yaml: outputs.bmap: only for target sd-card, not rootfs: a block map is for writing an image to a card, not a tar",
                "r.yaml: outputs.formats[0]: 'raw' is not one of tar, tar.zst, tar.xz",
                "r.yaml: outputs.formats[0]: 'tar' is not one of raw, zst, xz"), errors);
    }

    @Test
    void anImageBaseNamesItsFileHashAndRepository() throws Exception {
        Files.write(dir.resolve("base.img.zst"), new byte[] {1});
        Path f = dir.resolve("r.yaml");
        Files.writeString(f, "name: r\nbase:\n  image: {path: base.img.zst, sha256: " + SHA.toUpperCase() + "}\n"
                + "  apt: {suite: bookworm, components: [main], snapshot: 20250601T000000Z}\npackages: [hello]\n");
        Recipe r = RecipeReader.read(f);
        Recipe.ImageBase base = (Recipe.ImageBase) r.base();
        assertEquals(dir.resolve("base.img.zst"), base.file());
        assertEquals(SHA, base.sha256(), "lower case, as sha256sum prints it");
        assertEquals(null, base.url());
        assertEquals("bookworm", base.apt().suite());
        assertEquals(List.of("main"), base.apt().components());
        assertEquals("https://snapshot.debian.org/archive/debian/20250601T000000Z/", base.apt().mirror().toString());
        assertEquals(java.time.Instant.parse("2025-06-01T00:00:00Z"), base.apt().snapshot().time());

        Files.writeString(f, "name: r\nbase:\n  image: {url: 'https://example.org/x/raspios.img.xz', sha256: " + SHA + "}\n");
        Recipe.ImageBase byUrl = (Recipe.ImageBase) RecipeReader.read(f).base();
        assertEquals("https://example.org/x/raspios.img.xz", byUrl.url().toString());
        assertEquals(null, byUrl.file());
        assertEquals(null, byUrl.apt(), "no packages, no repository needed");
    }

    @Test
    void imageBaseMistakesAreNamed() throws Exception {
        Files.write(dir.resolve("base.img"), new byte[] {1});
        Files.write(dir.resolve("base.iso"), new byte[] {1});
        String img = "name: r\nbase:\n  image: {path: base.img, sha256: " + SHA + "}\n";
        assertEquals("r.yaml: base.apt: missing: an image base needs the repository its added packages come from", error(img + "packages: [hello]\n"));
        assertEquals("r.yaml: base.image.sha256: missing: the image's SHA256 (sha256sum FILE) pins what the base is",
                error("name: r\nbase:\n  image: {path: base.img}\n"));
        assertEquals("r.yaml: base.image.sha256: 'abc' is not a SHA256 (64 hex digits)", error("name: r\nbase:\n  image: {path: base.img, sha256: abc}\n"));
        assertTrue(error("name: r\nbase:\n  image: {path: nothere.img.xz, sha256: " + SHA + "}\n")
                .startsWith("r.yaml: base.image.path: no such file "), "the file is checked when the recipe is read");
        assertEquals("r.yaml: base.image.path: 'base.iso' is not a .img, .img.xz or .img.zst file",
                error("name: r\nbase:\n  image: {path: base.iso, sha256: " + SHA + "}\n"));
        assertEquals("r.yaml: base.image: give exactly one of path (a file) and url (downloaded into the build cache)",
                error("name: r\nbase:\n  image: {path: base.img, url: 'https://a/b.img', sha256: " + SHA + "}\n"));
        assertEquals("r.yaml: base.image.url: 'ftp://a/b.img' is not an http or https URL",
                error("name: r\nbase:\n  image: {url: 'ftp://a/b.img', sha256: " + SHA + "}\n"));
        assertEquals("r.yaml: base: give exactly one of debian (a base made from packages) and image (an SD card image file)",
                error("name: r\nbase:\n  debian: {}\n  image: {path: base.img, sha256: " + SHA + "}\n"));
        assertEquals("r.yaml: base.apt: only for an image base: a debian base's packages come from base.debian",
                error("name: r\nbase:\n  debian: {}\n  apt: {}\n"));
        assertEquals("r.yaml: base.apt.essential: unknown key", error(img + "  apt: {essential: true}\n"));
        assertEquals("r.yaml: boot.modules: only for a debian base: an image base keeps its own initramfs", error(img + "boot: {modules: [ext4]}\n"));
    }

    @Test
    void aSnapshotPinsTheMirror() throws Exception {
        Path f = dir.resolve("r.yaml");
        Files.writeString(f, "name: r\nbase:\n  debian: {snapshot: '2025-06-01T12:30:00Z', mirror: 'http://cache.lan/debian/{snapshot}/'}\n");
        Recipe.Apt apt = ((Recipe.DebianBase) RecipeReader.read(f).base()).apt();
        assertEquals("http://cache.lan/debian/20250601T123000Z/", apt.mirror().toString());
        assertEquals("20250601T123000Z", apt.snapshot().stamp());
        Files.writeString(f, OK);
        assertEquals(null, ((Recipe.DebianBase) RecipeReader.read(f).base()).apt().snapshot());

        assertTrue(error("name: r\nbase:\n  debian: {snapshot: 2025-06-01}\n")
                .startsWith("r.yaml: base.debian.snapshot: '2025-06-01' is not a UTC time like 2025-06-01T00:00:00Z"));
        assertTrue(error("name: r\nbase:\n  debian: {snapshot: 20251301T000000Z}\n").startsWith("r.yaml: base.debian.snapshot: '20251301T000000Z' is not a valid date"));
        assertTrue(error("name: r\nbase:\n  debian: {snapshot: 20250601T000000Z, mirror: 'http://cache.lan/debian'}\n")
                .startsWith("r.yaml: base.debian.mirror: a mirror used with a snapshot must say where the time goes with {snapshot}"));
        assertEquals("r.yaml: base.debian.mirror: has {snapshot} but no snapshot time is given",
                error("name: r\nbase:\n  debian: {mirror: 'http://cache.lan/debian/{snapshot}/'}\n"));
    }
}
