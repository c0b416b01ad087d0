package walt.vpn.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import walt.vpn.image.ImageBuilder;
import walt.vpn.image.Progress;
import walt.vpn.image.output.ImageFormat;
import walt.vpn.image.output.ReleaseOutputs;
import walt.vpn.image.recipe.Recipe;
import walt.vpn.image.recipe.RecipeReader;

@Command(name = "build", mixinStandardHelpOptions = true,
        description = {"Build a bootable SD card image from a recipe (image-recipes/*.yaml), rootless and without emulation.",
            "Packages are configured at the image's first boot. With SOURCE_DATE_EPOCH set, or by default the",
            "repository's Release date, two builds from the same repository state give the same bytes.",
            "A recipe of target: rootfs makes only the root tree, NAME.tar (finished in a chroot: README)."})
final class BuildCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "RECIPE", description = "Recipe file.")
    Path recipe;

    @Option(names = {"-o", "--output-dir"}, paramLabel = "DIR", description = "Where to write NAME.img (NAME.tar for a rootfs) and its companions, made with its parents if missing (default: .).")
    Path outputDir = Path.of(".");

    @Option(names = "--format", split = ",", paramLabel = "raw,zst,xz",
            description = "Formats to write (default: the recipe's outputs, else raw). The raw image is always kept."
                    + " For a rootfs: NAME.tar, NAME.tar.zst, NAME.tar.xz.")
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
        boolean rootfs = r.target() == Recipe.Target.ROOTFS;
        if (rootfs && bmap) {
            throw new IllegalArgumentException("--bmap: the recipe's target is rootfs, a tar, which has no block map");
        }
        List<ImageFormat> wanted = formats != null ? formats : r.outputs().formats();
        Path dir = outputDir.toAbsolutePath();
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("output folder is not a folder: " + outputDir);
        }
        // As mkdir -p: a recipe that read cleanly gets its folder, parents included.
        Files.createDirectories(dir);
        ImageBuilder builder = new ImageBuilder(r, cache != null ? cache : defaultCache(), offline, SourceDateEpoch.fromEnvironment(),
                Progress.onTerminal());
        Path image = dir.resolve(r.target().fileName(r.name()));
        builder.build(image);
        // Imager writes SD cards: a tree has no entry there.
        ReleaseOutputs.Request release = new ReleaseOutputs.Request(wanted, bmap || r.outputs().bmap(), true, r.name(), r.description(),
                builder.time(), !rootfs);
        List<ReleaseOutputs.Released> written = ReleaseOutputs.write(image, release, (name, total, bytes, work) ->
                builder.stage(name, total, bytes ? Progress.Unit.BYTES : Progress.Unit.FILES, bar -> work.run(bar::advance)));
        System.out.print(builder.summary());
        for (ReleaseOutputs.Released p : written) {
            System.out.println(p.file() + "  sha256 " + p.sha256());
        }
        return 0;
    }

    static Path defaultCache() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("walt-vpn");
    }
}
