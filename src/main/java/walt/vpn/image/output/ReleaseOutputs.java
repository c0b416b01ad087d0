package walt.vpn.image.output;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import walt.vpn.disk.AtomicOutput;
import walt.vpn.tree.Timestamp;
import walt.vpn.disk.FileSha256;

/**
 * Everything released beside a finished image {@code NAME.img}: its compressed copies
 * ({@code NAME.img.zst}, {@code .xz}), the block map ({@code NAME.bmap}), the SHA-256 list of
 * all of them ({@code NAME.sha256}) and the Raspberry Pi Imager entry ({@code NAME.json}).
 * A root filesystem tar {@code NAME.tar} gets the same compressed copies and SHA-256 list, but
 * no Imager entry (Imager writes cards, not trees).
 * Each file is written to a temporary name and renamed into place; each step is one stage of
 * the caller's progress. {@code build} and {@code setup-node} both release through here.
 */
public final class ReleaseOutputs {

    /**
     * What to release and how the Imager entry names it. Without {@code checksums} no SHA-256
     * list and no Imager entry (whose sizes and sums need a read of every file written);
     * without {@code imager}, no Imager entry.
     */
    public record Request(List<ImageFormat> formats, boolean bmap, boolean checksums, String name, String description,
                          Timestamp release, boolean imager) {
        public Request {
            formats = List.copyOf(formats);
        }

        /** For an SD card image: the Imager entry with the checksums. */
        public Request(List<ImageFormat> formats, boolean bmap, boolean checksums, String name, String description, Timestamp release) {
            this(formats, bmap, checksums, name, description, release, true);
        }
    }

    /** One file released, with its SHA-256. */
    public record Released(Path file, String sha256) {
    }

    /** How the caller shows a step: its name, its size, and the work, told of its progress. */
    public interface Stages {
        void stage(String name, long total, boolean bytes, Work work) throws IOException;
    }

    /** One step's work; returns the line the caller's summary shows for it. */
    public interface Work {
        String run(LongConsumer advance) throws IOException;
    }

    /** Stages that show nothing: for callers without a progress display. */
    public static final Stages SILENT = (name, total, bytes, work) -> work.run(n -> { });

    private ReleaseOutputs() {
    }

    /**
     * Writes what {@code request} asks for beside {@code image} and returns every file released,
     * the image first, the SHA-256 list and the Imager entry not included (their sums null
     * without {@code checksums}).
     */
    public static List<Released> write(Path image, Request request, Stages stages) throws IOException {
        String base = baseName(image);
        List<Path> written = new ArrayList<>(List.of(image));
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        for (ImageFormat f : request.formats()) {
            CompressedImage.Format format = f.compression();
            if (format == null) {
                continue;
            }
            Path target = image.resolveSibling(image.getFileName() + format.suffix());
            stages.stage(f.name(), Files.size(image), true, advance -> {
                CompressedImage.write(image, target, format, threads, advance);
                return target.getFileName() + ", " + (Files.size(target) >> 20) + " MiB";
            });
            written.add(target);
        }
        if (request.bmap()) {
            Path target = image.resolveSibling(base + ".bmap");
            stages.stage("bmap", 1, false, advance -> {
                BlockMapFile.write(image, target);
                advance.accept(1);
                return target.getFileName().toString();
            });
            written.add(target);
        }
        Map<Path, String> hashes = new LinkedHashMap<>();
        if (!request.checksums()) {
            List<Released> out = new ArrayList<>();
            written.forEach(p -> out.add(new Released(p, null)));
            return out;
        }
        stages.stage("sha256", written.size(), false, advance -> {
            for (Path p : written) {
                hashes.put(p, FileSha256.of(p));
                advance.accept(1);
            }
            return written.size() + " files";
        });
        StringBuilder sums = new StringBuilder();
        hashes.forEach((p, h) -> sums.append(h).append("  ").append(p.getFileName()).append('\n'));
        try (AtomicOutput out = new AtomicOutput(image.resolveSibling(base + ".sha256"))) {
            Files.writeString(out.tempPath(), sums);
            out.commit();
        }
        List<Released> out = new ArrayList<>();
        hashes.forEach((p, h) -> out.add(new Released(p, h)));
        if (!request.imager()) {
            return out;
        }
        // Imager downloads the last compressed form asked for, else the raw image.
        Path download = written.stream().filter(p -> !p.getFileName().toString().endsWith(".bmap")).reduce((a, b) -> b).orElse(image);
        ImagerEntry.write(image.resolveSibling(base + ".json"), request.name(), request.description(), download, Files.size(image),
                hashes.get(image), hashes.get(download), request.release());
        return out;
    }

    /** {@code NAME} of {@code NAME.img} or {@code NAME.tar}; a name without either suffix is kept whole. */
    public static String baseName(Path image) {
        String n = image.getFileName().toString();
        for (String suffix : List.of(".img", ".tar")) {
            if (n.endsWith(suffix)) {
                return n.substring(0, n.length() - suffix.length());
            }
        }
        return n;
    }
}
