package walt.vpn.cli;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import walt.vpn.disk.AtomicOutput;
import walt.vpn.disk.ImageFile;
import walt.vpn.ext4.Ext4Options;
import walt.vpn.ext4.Ext4Writer;
import walt.vpn.fat.FatOptions;
import walt.vpn.fat.FatWriter;
import walt.vpn.image.Progress;
import walt.vpn.image.ProgressStorage;
import walt.vpn.tree.FileTree;
import walt.vpn.disk.Storage;
import walt.vpn.tree.Timestamp;

@Command(name = "mkfs", mixinStandardHelpOptions = true,
        description = {"Make a filesystem image from a directory or a tar archive.",
            "With SOURCE_DATE_EPOCH set, modification times later than it are clamped to it and access and change",
            "times follow them, so with the same input, seed and SOURCE_DATE_EPOCH the output is byte-identical,",
            "whatever read the source in between."})
final class MkfsCommand implements Callable<Integer> {

    enum Kind { ext4, fat }

    @Parameters(index = "0", description = "Filesystem: ${COMPLETION-CANDIDATES}.")
    Kind kind;

    @Option(names = "--from", required = true, paramLabel = "DIR|TAR", description = "Source tree: a directory or a tar archive.")
    Path from;

    @Option(names = "--size", paramLabel = "BYTES", converter = ByteSize.class,
            description = "Filesystem size (K, M, G suffixes allowed); default: the content plus headroom.")
    Long size;

    @Option(names = "--label", paramLabel = "L", description = "Volume label.")
    String label;

    @Option(names = "--seed", paramLabel = "S",
            description = "Seed for UUIDs, hash seed and volume id; default: derived from the source tree.")
    String seed;

    @Option(names = "--owners", paramLabel = "WHOSE", defaultValue = "keep",
            description = {"keep: the source's owners, as mke2fs -d and tar keep them (the default); root: every entry",
                "owned by 0:0, for a checkout or a copy made without root (--overrides can then set some)."})
    SourceTree.Owners owners;

    @Option(names = "--overrides", paramLabel = "FILE",
            description = "Ownership/mode/xattr overrides for a directory source (see docs/tree-overrides.md).")
    Path overrides;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "Image file to write.")
    Path output;

    @Option(names = "--sync", description = {"Force the image to disk before it takes its name (as mke2fs does), then the name. Without it the",
        "image is left to the page cache, like cp, tar and mcopy leave their output: it is whole once named, but a",
        "power cut soon after may lose it."})
    boolean sync;

    /** The two steps every filesystem writer offers, whatever its options type. */
    private record FilesystemWriter(Sizer sizer, Filler filler) {
    }

    private interface Sizer {
        long sizeFor(FileTree tree) throws IOException;
    }

    private interface Filler {
        void write(FileTree tree, Storage target) throws IOException;
    }

    @Override
    public Integer call() throws IOException {
        if (Files.exists(output) && Files.isSameFile(output, from)) {
            throw new IllegalArgumentException("output would overwrite the source: " + output);
        }
        // FAT keeps no xattrs: reading the host's would only cost an open of every file.
        try (SourceTree source = SourceTree.load(from, overrides, owners, kind != Kind.fat)) {
            return make(source);
        }
    }

    private int make(SourceTree source) throws IOException {
        Timestamp epoch = SourceDateEpoch.fromEnvironment();
        FileTree tree = epoch == null ? source.tree() : source.tree().reproducibleTimes(epoch);
        // Two walks over the whole tree that need not wait for each other: one on another core.
        CompletableFuture<Timestamp> newest = epoch != null ? CompletableFuture.completedFuture(epoch)
                : CompletableFuture.supplyAsync(tree::newestTime);
        long seedValue = seed != null ? TreeFingerprint.ofText(seed) : TreeFingerprint.of(tree);
        Timestamp created = newest.join();
        FilesystemWriter writer = switch (kind) {
            case ext4 -> {
                Ext4Writer w = new Ext4Writer(Ext4Options.defaults().withLabel(label == null ? "" : label).withSeed(seedValue).withCreationTime(created));
                yield new FilesystemWriter(w::sizeFor, w::write);
            }
            case fat -> {
                FatOptions o = FatOptions.defaults().withSeed(seedValue).withCreationTime(created);
                FatWriter w = new FatWriter(label == null ? o : o.withLabel(label));
                yield new FilesystemWriter(w::sizeFor, w::write);
            }
        };
        try (AtomicOutput out = new AtomicOutput(output)) {
            long bytes = size != null ? size : writer.sizer().sizeFor(tree);
            try (ImageFile img = ImageFile.createSparse(out.tempPath(), bytes);
                 Progress.Bar bar = bar(Progress.onTerminal(), tree)) {
                if (sync) {
                    img.writeLargeRunsDirect();
                }
                try (Closeable behind = sync ? img.flushBehind() : null) {
                    writer.filler().write(tree, new ProgressStorage(img, bar::advance));
                }
                if (sync) {
                    img.flush();
                }
            }
            if (sync) {
                out.commitDurably();
            } else {
                out.commit();
            }
        }
        return 0;
    }

    /** Counting the bytes to copy is a pass over the whole tree: only for a bar that is drawn. */
    private Progress.Bar bar(Progress progress, FileTree tree) {
        return progress.bar("mkfs " + kind, progress.drawsBars() ? tree.contentBytes() : 0, Progress.Unit.BYTES);
    }
}
