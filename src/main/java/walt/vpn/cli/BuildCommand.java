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
import walt.vpn.image.recipe.Recipe;
import walt.vpn.image.recipe.RecipeReader;

@Command(name = "build", mixinStandardHelpOptions = true,
        description = {"Build a bootable SD card image from a recipe (image-recipes/*.yaml), rootless and without emulation.",
            "Packages are configured at the image's first boot. With SOURCE_DATE_EPOCH set, or by default the",
            "repository's Release date, two builds from the same repository state give the same bytes."})
final class BuildCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "RECIPE", description = "Recipe file.")
    Path recipe;

    @Option(names = {"-o", "--output-dir"}, paramLabel = "DIR", description = "Where to write NAME.img and its companions (default: .).")
    Path outputDir = Path.of(".");

    @Option(names = "--format", split = ",", paramLabel = "raw,zst,xz",
            description = "Formats to write (default: the recipe's outputs, else raw). Only raw is written by this version.")
    List<String> formats;

    @Option(names = "--cache", paramLabel = "DIR", description = "Download cache (default: $XDG_CACHE_HOME/walt-vpn or ~/.cache/walt-vpn).")
    Path cache;

    @Option(names = "--offline", description = "Use only the cache: no network.")
    boolean offline;

    @Override
    public Integer call() throws IOException {
        Recipe r = RecipeReader.read(recipe);
        List<String> wanted = formats != null ? formats : r.outputs().formats();
        for (String f : wanted) {
            if (!f.equals("raw")) {
                throw new IllegalArgumentException("format " + f + " is not written by this version yet; use raw");
            }
        }
        Path dir = outputDir.toAbsolutePath();
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("output folder does not exist: " + outputDir);
        }
        boolean terminal = System.console() != null;
        ImageBuilder builder = new ImageBuilder(r, cache != null ? cache : defaultCache(), offline, SourceDateEpoch.fromEnvironment(),
                stage -> {
                    if (terminal) {
                        System.err.println("walt: " + stage + "...");
                    }
                });
        Path image = dir.resolve(r.name() + ".img");
        builder.build(image);
        String sha = sha256(image);
        try (AtomicOutput out = new AtomicOutput(dir.resolve(r.name() + ".img.sha256"))) {
            Files.writeString(out.tempPath(), sha + "  " + image.getFileName() + "\n");
            out.commit();
        }
        System.out.print(builder.summary());
        System.out.println(image + "  sha256 " + sha);
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
