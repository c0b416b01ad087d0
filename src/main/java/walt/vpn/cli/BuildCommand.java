package walt.vpn.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import walt.vpn.disk.AtomicOutput;
import walt.vpn.image.ImageBuilder;
import walt.vpn.image.Progress;
import walt.vpn.image.output.BlockMapFile;
import walt.vpn.image.output.CompressedImage;
import walt.vpn.image.output.ImageFormat;
import walt.vpn.image.output.ImagerEntry;
import walt.vpn.image.recipe.Recipe;
import walt.vpn.image.recipe.RecipeReader;

@Command(name = "build", mixinStandardHelpOptions = true,
        description = {"Build a bootable SD card image from a recipe (image-recipes/*.yaml), rootless and without emulation.",
            "Packages are configured at the image's first boot. With SOURCE_DATE_EPOCH set, or by default the",
            "repository's Release date, two builds from the same repository state give the same bytes."})
final class BuildCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "RECIPE", description = "Recipe file.")
    Path recipe;

    @Option(names = {"-o", "--output-dir"}, paramLabel = "DIR", description = "Where to write NAME.img and its companions, made with its parents if missing (default: .).")
    Path outputDir = Path.of(".");

    @Option(names = "--format", split = ",", paramLabel = "raw,zst,xz",
            description = "Formats to write (default: the recipe's outputs, else raw). The raw image is always kept.")
    List<ImageFormat> formats;

    @Option(names = "--bmap", description = "Also write a block map for bmaptool copy (default: the recipe's outputs.bmap).")
    boolean bmap;

    @Option(names = "--cache", paramLabel = "DIR", description = "Download cache (default: $XDG_CACHE_HOME/walt-vpn or ~/.cache/walt-vpn).")
    Path cache;

    @Option(names = "--offline", description = "Use only the cache: no network.")
    boolean offline;

    @Override
    public Integer call() throws IOException {
        Recipe r = RecipeReader.read(recipe);
        List<ImageFormat> wanted = formats != null ? formats : r.outputs().formats();
        Path dir = outputDir.toAbsolutePath();
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("output folder is not a folder: " + outputDir);
        }
        // As mkdir -p: a recipe that read cleanly gets its folder, parents included.
        Files.createDirectories(dir);
        ImageBuilder builder = new ImageBuilder(r, cache != null ? cache : defaultCache(), offline, SourceDateEpoch.fromEnvironment(),
                Progress.onTerminal());
        Path image = dir.resolve(r.name() + ".img");
        builder.build(image);
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        List<Path> written = new java.util.ArrayList<>(List.of(image));
        for (ImageFormat f : wanted) {
            CompressedImage.Format format = f.compression();
            if (format == null) {
                continue;
            }
            Path target = dir.resolve(image.getFileName() + format.suffix());
            builder.stage(f.name(), Files.size(image), Progress.Unit.BYTES, bar -> {
                CompressedImage.write(image, target, format, threads, bar::advance);
                return target.getFileName() + ", " + (Files.size(target) >> 20) + " MiB";
            });
            written.add(target);
        }
        if (bmap || r.outputs().bmap()) {
            Path target = dir.resolve(r.name() + ".bmap");
            builder.stage("bmap", 1, Progress.Unit.STEPS, bar -> {
                BlockMapFile.write(image, target);
                return target.getFileName().toString();
            });
            written.add(target);
        }
        StringBuilder sums = new StringBuilder();
        java.util.Map<Path, String> hashes = new java.util.HashMap<>();
        builder.stage("sha256", written.size(), Progress.Unit.FILES, bar -> {
            for (Path p : written) {
                String h = sha256(p);
                bar.advance(1);
                hashes.put(p, h);
                sums.append(h).append("  ").append(p.getFileName()).append('\n');
            }
            return written.size() + " files";
        });
        try (AtomicOutput out = new AtomicOutput(dir.resolve(r.name() + ".sha256"))) {
            Files.writeString(out.tempPath(), sums);
            out.commit();
        }
        Path download = written.stream().filter(p -> !p.toString().endsWith(".bmap")).reduce((a, b) -> b).orElse(image);
        ImagerEntry.write(dir.resolve(r.name() + ".json"), r.name(), r.description(), download, Files.size(image), hashes.get(image),
                hashes.get(download), builder.time());
        System.out.print(builder.summary());
        for (Path p : written) {
            System.out.println(p + "  sha256 " + hashes.get(p));
        }
        return 0;
    }

    static Path defaultCache() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("walt-vpn");
    }

    private static String sha256(Path p) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(p), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
