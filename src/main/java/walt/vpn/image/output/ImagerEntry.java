package walt.vpn.image.output;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import walt.vpn.disk.AtomicOutput;
import walt.vpn.tree.Timestamp;

/**
 * The entry Raspberry Pi Imager reads from an {@code os_list} JSON file for one image: sizes
 * and SHA256 of the image as extracted and as downloaded, so Imager can check both.
 */
public final class ImagerEntry {

    private ImagerEntry() {
    }

    /**
     * @param download     the file users download (compressed, or the raw image)
     * @param rawSize      size of the raw image
     * @param rawSha256    SHA256 of the raw image
     * @param downloadSha256 SHA256 of {@code download}
     */
    public static void write(Path target, String name, String description, Path download, long rawSize, String rawSha256,
            String downloadSha256, Timestamp release) throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode os = json.createObjectNode();
        os.put("name", name);
        os.put("description", description);
        os.put("url", download.getFileName().toString());
        os.put("release_date", LocalDate.ofInstant(java.time.Instant.ofEpochSecond(release.seconds()), ZoneOffset.UTC).toString());
        os.put("extract_size", rawSize);
        os.put("extract_sha256", rawSha256);
        os.put("image_download_size", Files.size(download));
        os.put("image_download_sha256", downloadSha256);
        os.put("init_format", "systemd");
        ObjectNode top = json.createObjectNode();
        top.putArray("os_list").add(os);
        try (AtomicOutput out = new AtomicOutput(target)) {
            Files.writeString(out.tempPath(), json.writeValueAsString(top) + "\n");
            out.commit();
        }
    }
}
