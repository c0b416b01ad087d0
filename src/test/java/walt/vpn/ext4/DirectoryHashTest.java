package walt.vpn.ext4;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.testing.Tools;

/** Our half-MD4 directory hash against debugfs' dx_hash, with and without a seed. */
class DirectoryHashTest {

    @TempDir
    Path dir;

    @Test
    void matchesDebugfs() throws Exception {
        Tools.require("mke2fs");
        Path img = dir.resolve("h.img");
        assertEquals(0, Tools.run("mke2fs", "-q", "-t", "ext4", img.toString(), "8M").exit());
        String seedText = "098f31a4-f917-4a90-8e81-6110b068d51f";
        byte[] u = java.util.HexFormat.of().parseHex(seedText.replace("-", ""));
        var bb = java.nio.ByteBuffer.wrap(u).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long[] seed = new long[4];
        for (int i = 0; i < 4; i++) {
            seed[i] = bb.getInt(i * 4) & 0xFFFFFFFFL;
        }
        String[] names = {"a", "hello", "lost+found", "exactly-thirty-two-bytes-long-xx", "a-name-longer-than-thirty-two-bytes-by-far.conf",
            "ünïcødé", "日本語のファイル名", "x".repeat(255)};
        List<String> requests = new ArrayList<>();
        for (String n : names) {
            requests.add("dx_hash -h half_md4 " + n);
            requests.add("dx_hash -h half_md4 -s " + seedText + " " + n);
        }
        Map<String, String> out = Debugfs.batch(img, requests);
        DirectoryHash unseeded = new DirectoryHash(new long[4]);
        DirectoryHash seeded = new DirectoryHash(seed);
        for (String n : names) {
            byte[] b = n.getBytes(StandardCharsets.UTF_8);
            assertEquals(String.format("0x%08x", unseeded.hash(b)), hashOf(out.get("dx_hash -h half_md4 " + n)), n);
            assertEquals(String.format("0x%08x", seeded.hash(b)), hashOf(out.get("dx_hash -h half_md4 -s " + seedText + " " + n)), n);
        }
    }

    private static String hashOf(String debugfsOutput) {
        var m = java.util.regex.Pattern.compile("is (0x[0-9a-f]{8})").matcher(debugfsOutput);
        return m.find() ? m.group(1) : "no hash in: " + debugfsOutput;
    }
}
