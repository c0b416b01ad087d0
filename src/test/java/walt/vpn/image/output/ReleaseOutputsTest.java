package walt.vpn.image.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.testing.Tools;
import walt.vpn.tree.Timestamp;

/** One release of an image, every file checked by the tool a user would check it with. */
class ReleaseOutputsTest {

    @TempDir
    Path dir;

    @Test
    void everyFormatTheBlockMapTheSumsAndTheImagerEntry() throws Exception {
        for (String tool : List.of("zstd", "xz", "bmaptool", "sha256sum")) {
            Tools.require(tool);
        }
        Path image = dir.resolve("site.img");
        byte[] data = new byte[3 << 20];
        new Random(3).nextBytes(data);
        Files.write(image, data);
        List<String> stages = new ArrayList<>();
        List<ReleaseOutputs.Released> out = ReleaseOutputs.write(image,
                new ReleaseOutputs.Request(List.of(ImageFormat.raw, ImageFormat.zst, ImageFormat.xz), true, true, "site", "a test site",
                        Timestamp.ofSeconds(1_700_000_000L)),
                (name, total, bytes, work) -> {
                    long[] done = {0};
                    work.run(n -> done[0] += n);
                    stages.add(name + " " + done[0] + "/" + total);
                });
        assertEquals(List.of("site.img", "site.img.zst", "site.img.xz", "site.bmap"),
                out.stream().map(r -> r.file().getFileName().toString()).toList());
        assertEquals(List.of("zst " + data.length + "/" + data.length, "xz " + data.length + "/" + data.length, "bmap 1/1", "sha256 4/4"),
                stages, "each step a stage, its progress complete");
        Tools.Result sums = Tools.run(List.of("sha256sum", "-c", "site.sha256"), dir, 60);
        assertEquals(0, sums.exit(), sums.all());
        assertEquals(4, sums.stdout().lines().filter(l -> l.endsWith(": OK")).count(), sums.stdout());
        for (String[] decompress : List.of(new String[] {"zstd", "-dc", "site.img.zst"}, new String[] {"xz", "-dc", "site.img.xz"})) {
            Tools.Result r = Tools.run(List.of(decompress), dir, 60);
            assertEquals(0, r.exit(), r.stderr());
            assertTrue(java.util.Arrays.equals(data, r.stdoutBytes()), decompress[0] + " gives the image back");
        }
        Tools.Result copy = Tools.run(List.of("bmaptool", "copy", "--bmap", "site.bmap", "site.img", "copy.img"), dir, 60);
        assertEquals(0, copy.exit(), copy.all());
        assertEquals(-1L, Files.mismatch(image, dir.resolve("copy.img")));
        JsonNode os = new ObjectMapper().readTree(dir.resolve("site.json").toFile()).get("os_list").get(0);
        assertEquals("site.img.xz", os.get("url").asText(), "the last compressed form is the download");
        assertEquals(out.get(0).sha256(), os.get("extract_sha256").asText());
        assertEquals(out.get(2).sha256(), os.get("image_download_sha256").asText());
        assertEquals("2023-11-14", os.get("release_date").asText());
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().contains(".tmp-")), "temporary files left");
        }
    }

    @Test
    void aRawOnlyReleaseStillHasItsSumsAndEntry() throws Exception {
        Path image = Files.write(dir.resolve("node.img"), new byte[8192]);
        List<ReleaseOutputs.Released> out = ReleaseOutputs.write(image,
                new ReleaseOutputs.Request(List.of(ImageFormat.raw), false, true, "node", "n", Timestamp.ofSeconds(0)), ReleaseOutputs.SILENT);
        assertEquals(1, out.size());
        assertEquals(out.get(0).sha256() + "  node.img\n", Files.readString(dir.resolve("node.sha256")));
        assertEquals("node.img", new ObjectMapper().readTree(dir.resolve("node.json").toFile()).get("os_list").get(0).get("url").asText());

        Files.delete(dir.resolve("node.sha256"));
        Files.delete(dir.resolve("node.json"));
        List<ReleaseOutputs.Released> quick = ReleaseOutputs.write(image,
                new ReleaseOutputs.Request(List.of(ImageFormat.raw), false, false, "node", "n", Timestamp.ofSeconds(0)), ReleaseOutputs.SILENT);
        assertEquals(null, quick.get(0).sha256());
        try (var files = Files.list(dir)) {
            assertEquals(List.of("node.img"), files.map(p -> p.getFileName().toString()).toList(), "nothing but the image without checksums");
        }
    }

    /** A root filesystem tar: compressed copies as NAME.tar.zst, the sums as NAME.sha256, no Imager entry. */
    @Test
    void aTarReleaseHasItsSumsButNoImagerEntry() throws Exception {
        Tools.require("zstd");
        byte[] data = new byte[1 << 20];
        new Random(5).nextBytes(data);
        Path tar = Files.write(dir.resolve("root.tar"), data);
        List<ReleaseOutputs.Released> out = ReleaseOutputs.write(tar,
                new ReleaseOutputs.Request(List.of(ImageFormat.raw, ImageFormat.zst), false, true, "root", "r", Timestamp.ofSeconds(0), false),
                ReleaseOutputs.SILENT);
        assertEquals(List.of("root.tar", "root.tar.zst"), out.stream().map(r -> r.file().getFileName().toString()).toList());
        assertEquals(out.get(0).sha256() + "  root.tar\n" + out.get(1).sha256() + "  root.tar.zst\n", Files.readString(dir.resolve("root.sha256")));
        try (var files = Files.list(dir)) {
            assertEquals(List.of("root.sha256", "root.tar", "root.tar.zst"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        Tools.Result r = Tools.run(List.of("zstd", "-dc", "root.tar.zst"), dir, 60);
        assertTrue(java.util.Arrays.equals(data, r.stdoutBytes()), "zstd gives the tar back");
    }
}
