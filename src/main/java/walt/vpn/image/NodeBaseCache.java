package walt.vpn.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import walt.vpn.disk.MappedRange;
import walt.vpn.image.output.BlockMapFile;
import walt.vpn.image.recipe.Recipe;
import walt.vpn.image.recipe.RecipeReader;
import walt.vpn.tree.InvalidDataException;
import walt.vpn.tree.Timestamp;

/**
 * Base images built once and kept, keyed by everything that shapes them: the recipe's bytes,
 * the content and modes of its overlay folders, and the builder itself (this jar). A second
 * {@code setup-node} finds the image made by the first and only copies it.
 */
public final class NodeBaseCache {

    /** Beside each cached base: its runs of non-zero 4 KiB blocks, so copies skip the holes. */
    private static final String RUNS = "blocks";

    private final Path dir;

    public NodeBaseCache(Path cacheRoot) {
        this.dir = cacheRoot.resolve("node-images");
    }

    /** A recipe and where its base is (or will be) kept. */
    public record Entry(Recipe recipe, Path image) {
        public boolean cached() {
            return Files.isRegularFile(image);
        }
    }

    /** Reads the recipe and works out its key: once per run. */
    public Entry entry(Path recipeFile) throws IOException {
        Recipe r = RecipeReader.read(recipeFile);
        if (r.target() != Recipe.Target.SD_CARD) {
            throw new InvalidDataException(recipeFile.getFileName() + ": target: " + r.target().key()
                    + ": a node base is an SD card image (target sd-card)");
        }
        return new Entry(r, dir.resolve(r.name() + "-" + key(recipeFile, r).substring(0, 16)).resolve(r.name() + ".img"));
    }

    /**
     * A guess made before the recipe is read: the base of the only cached entry named after the
     * recipe's file (a recipe's name is usually its file's). Null when there is none or more
     * than one. Only {@link #entry} says which base is right; a guess lets the copy of the
     * base start while it works that out.
     */
    public Path soleCachedGuess(Path recipeFile) {
        String file = recipeFile.getFileName().toString();
        String stem = file.endsWith(".yaml") ? file.substring(0, file.length() - ".yaml".length()) : file;
        Path found = null;
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path d : entries.toList()) {
                String name = d.getFileName().toString();
                if (name.length() == stem.length() + 17 && name.startsWith(stem + "-") && name.substring(stem.length() + 1).matches("[0-9a-f]{16}")
                        && Files.isRegularFile(d.resolve(stem + ".img")) && Files.isRegularFile(d.resolve(RUNS))) {
                    if (found != null) {
                        return null;
                    }
                    found = d.resolve(stem + ".img");
                }
            }
        } catch (IOException | UncheckedIOException e) {
            return null;
        }
        return found;
    }

    /** The cached base, built first when absent. */
    public Path obtain(Entry entry, Path downloadCache, boolean offline, Timestamp sourceDateEpoch, Progress progress)
            throws IOException {
        Path image = entry.image();
        if (entry.cached()) {
            return image;
        }
        Files.createDirectories(dir);
        Path work = Files.createTempDirectory(dir, ".build-");
        try {
            ImageBuilder builder = new ImageBuilder(entry.recipe(), downloadCache, offline, sourceDateEpoch, progress);
            builder.build(work.resolve(image.getFileName()));
            writeBlockRuns(work.resolve(image.getFileName()));
            try {
                Files.move(work, image.getParent(), StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException raced) {
                // Another run built the same base meanwhile: same key, same content; keep theirs.
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot rename in " + dir, e);
            }
            removeOlder(dir, entry.recipe().name(), image.getParent().getFileName().toString());
            return image;
        } finally {
            ImageBuilder.deleteTree(work);
        }
    }

    /**
     * Removes the bases this one replaces: those of the same recipe name made from other
     * inputs (an edited recipe, another walt-vpn build). Each is over half a gigabyte, and a key
     * that changed never comes back. Best effort: each is first renamed out of the way (a run
     * still copying one keeps reading its open file), and one that cannot be removed, or that
     * another run removes first, is left alone.
     */
    static void removeOlder(Path dir, String name, String keep) {
        List<Path> older;
        try (Stream<Path> s = Files.list(dir)) {
            older = s.filter(p -> {
                String f = p.getFileName().toString();
                return !f.equals(keep) && f.length() == name.length() + 17 && f.startsWith(name + "-")
                        && f.substring(name.length() + 1).chars().allMatch(c -> Character.digit(c, 16) >= 0);
            }).toList();
        } catch (IOException | UncheckedIOException e) {
            return;
        }
        for (Path old : older) {
            try {
                Path trash = Files.move(old, dir.resolve(".old-" + old.getFileName()), StandardCopyOption.ATOMIC_MOVE);
                ImageBuilder.deleteTree(trash);
            } catch (IOException | UncheckedIOException e) {
                // Another run's, or not ours to remove: it costs disk space, nothing else.
            }
        }
    }


    /** Keeps the runs of non-zero blocks of {@code image} beside it. */
    static void writeBlockRuns(Path image) throws IOException {
        StringBuilder runs = new StringBuilder();
        for (BlockMapFile.Range r : BlockMapFile.ranges(image)) {
            runs.append(r.first()).append(' ').append(r.last()).append('\n');
        }
        Files.writeString(image.toAbsolutePath().resolveSibling(RUNS), runs);
    }

    /**
     * The bytes of a cached base that hold data, from the block runs kept beside it (the last
     * range cut at the image's end), or null for an image from elsewhere.
     */
    static List<MappedRange> dataRanges(Path image) throws IOException {
        Path f = image.toAbsolutePath().resolveSibling(RUNS);
        if (!Files.isRegularFile(f) || Files.getLastModifiedTime(f).compareTo(Files.getLastModifiedTime(image)) < 0) {
            return null;
        }
        long size = Files.size(image);
        List<MappedRange> ranges = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(f, StandardCharsets.US_ASCII)) {
            String[] p = line.split(" ");
            long start = Long.parseLong(p[0]) * SparseCopy.BLOCK;
            ranges.add(new MappedRange(start, Math.min(size, (Long.parseLong(p[1]) + 1) * SparseCopy.BLOCK) - start));
        }
        return MappedRange.union(ranges);
    }

    private static String key(Path recipeFile, Recipe r) throws IOException {
        MessageDigest md = sha256();
        field(md, "walt-vpn node base 1");
        md.update(Files.readAllBytes(recipeFile));
        for (Path overlay : r.overlays()) {
            field(md, "overlay");
            List<Path> all;
            try (Stream<Path> s = Files.walk(overlay)) {
                all = s.sorted().toList();
            }
            for (Path p : all) {
                field(md, overlay.relativize(p).toString());
                if (Files.isSymbolicLink(p)) {
                    field(md, "-> " + Files.readSymbolicLink(p));
                } else if (Files.isRegularFile(p)) {
                    field(md, Files.isExecutable(p) ? "x" : "-");
                    md.update(Files.readAllBytes(p));
                } else {
                    field(md, "d");
                }
            }
        }
        field(md, "builder");
        md.update(builderIdentity());
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * The running jar, by path, size and time: a rebuilt builder may make a different image
     * from the same recipe. (Not its hash: hashing 25 MB on every setup-node costs more than
     * the copy itself.)
     */
    private static byte[] builderIdentity() throws IOException {
        try {
            Path jar = Path.of(NodeBaseCache.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            String id = jar.toString();
            if (Files.isRegularFile(jar)) {
                id += " " + Files.size(jar) + " " + Files.getLastModifiedTime(jar).toMillis();
            }
            return id.getBytes(StandardCharsets.UTF_8);
        } catch (java.net.URISyntaxException | SecurityException e) {
            return new byte[0];
        }
    }

    private static void field(MessageDigest md, String s) {
        md.update(s.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
