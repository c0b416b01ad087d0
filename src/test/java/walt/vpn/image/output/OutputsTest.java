package walt.vpn.image.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.testing.Tools;
import walt.vpn.tree.Timestamp;

/** Every download format read back by its reference tool: bmaptool, zstd, xz, sha256sum. */
class OutputsTest {

    @TempDir
    Path dir;

    private Path image;

    /** 80 MiB, sparse: runs of random blocks between holes, and a partial last block. */
    @BeforeEach
    void image() throws Exception {
        image = dir.resolve("card.img");
        Random r = new Random(5);
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long size = (80L << 20) + 1000;
            for (long at = 0; at < size - 70000; at += 4096L * (1 + r.nextInt(300))) {
                byte[] b = new byte[4096 * (1 + r.nextInt(16))];
                r.nextBytes(b);
                ch.write(ByteBuffer.wrap(b), at);
            }
            ch.write(ByteBuffer.wrap(new byte[] {7}), size - 1);
        }
    }

    @Test
    void bmaptoolCopiesAndChecksTheBlockMap() throws Exception {
        Tools.require("bmaptool");
        Path bmap = dir.resolve("card.bmap");
        BlockMapFile.write(image, bmap);
        Path out = dir.resolve("out.img");
        Tools.Result copy = Tools.run(List.of("bmaptool", "copy", "--bmap", bmap.toString(), image.toString(), out.toString()), dir, 120);
        assertEquals(0, copy.exit(), copy.all());
        assertEquals(-1L, Files.mismatch(image, out));
        // A byte changed inside a mapped range: bmaptool must notice.
        BlockMapFile.Range first = BlockMapFile.ranges(image).get(0);
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, first.first() * 4096 + 10);
            ch.write(ByteBuffer.wrap(new byte[] {(byte) (b.get(0) ^ 1)}), first.first() * 4096 + 10);
        }
        Files.delete(out);
        Tools.Result bad = Tools.run(List.of("bmaptool", "copy", "--bmap", bmap.toString(), image.toString(), out.toString()), dir, 120);
        assertNotEquals(0, bad.exit(), bad.all());
        assertTrue(bad.all().contains("checksum mismatch"), bad.all());
    }

    @Test
    void zstdAndXzReadBackTheImageAndAreReproducible() throws Exception {
        Tools.require("zstd");
        Tools.require("xz");
        for (CompressedImage.Format f : CompressedImage.Format.values()) {
            Path a = dir.resolve("a" + f.suffix());
            Path b = dir.resolve("b" + f.suffix());
            CompressedImage.write(image, a, f, 2);
            CompressedImage.write(image, b, f, 2);
            assertEquals(-1L, Files.mismatch(a, b), f + ": two runs differ");
            String tool = f == CompressedImage.Format.ZST ? "zstd" : "xz";
            Tools.Result test = Tools.run(List.of(tool, "-t", a.toString()), dir, 120);
            assertEquals(0, test.exit(), test.all());
            Tools.Result back = Tools.run(List.of("sh", "-c", tool + " -dc " + a + " | cmp - " + image), dir, 120);
            assertEquals(0, back.exit(), f + ": " + back.all());
        }
    }

    @Test
    void theImagerEntryDescribesTheDownload() throws Exception {
        Path xz = dir.resolve("card.img.xz");
        CompressedImage.write(image, xz, CompressedImage.Format.XZ, 2);
        String rawSha = Tools.run(List.of("sha256sum", image.toString()), dir, 60).stdout().split(" ")[0];
        String xzSha = Tools.run(List.of("sha256sum", xz.toString()), dir, 60).stdout().split(" ")[0];
        Path json = dir.resolve("card.json");
        ImagerEntry.write(json, "card", "a test card", xz, Files.size(image), rawSha, xzSha, Timestamp.ofSeconds(1_750_000_000L));
        JsonNode os = new ObjectMapper().readTree(json.toFile()).get("os_list").get(0);
        assertEquals("card.img.xz", os.get("url").asText());
        assertEquals(Files.size(image), os.get("extract_size").asLong());
        assertEquals(rawSha, os.get("extract_sha256").asText());
        assertEquals(Files.size(xz), os.get("image_download_size").asLong());
        assertEquals(xzSha, os.get("image_download_sha256").asText());
        assertEquals("2025-06-15", os.get("release_date").asText());
        assertEquals("systemd", os.get("init_format").asText());
    }
}
