package walt.vpn.deb;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.InvalidDataException;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.TarImporter;
import walt.vpn.tree.Timestamp;

/**
 * Installs .deb files into a tree the way {@code debootstrap --foreign} does: nothing of the
 * target architecture runs. Each package's files are unpacked ({@link DebUnpacker}), dpkg's
 * database records it as {@code install ok unpacked} ({@link DpkgDatabase}), and the first boot
 * runs the maintainer scripts ({@link FirstBootConfigure}).
 *
 * <p>For a tree without a dpkg database (a from-scratch base) the merged-/usr symlinks are made
 * first ({@link MergedUsr}). Whatever must exist before any maintainer script runs is written
 * here, as debootstrap's first stage does: {@code /etc/passwd} and {@code /etc/group} from
 * base-passwd's masters when the tree has none, and dpkg's administrative files.
 *
 * <p>File contents are not copied into memory: each data archive is decompressed into
 * {@code spoolDirectory} and the tree's files read it there, so that directory must outlive
 * the tree's writing.
 */
public final class ForeignInstaller {

    /**
     * @param arch           the target's dpkg architecture ({@code arm64}); packages must be
     *                       of it or {@code all}
     * @param time           the time of every file written here (database, scripts, symlinks)
     * @param spoolDirectory where decompressed data archives are kept while the tree is used
     * @param warnings       what to tell the user that does not stop the build
     * @param progress       told (packages put into the tree, packages in all) after each one,
     *                       for a progress bar
     */
    public record Options(String arch, Timestamp time, Path spoolDirectory, Consumer<String> warnings,
                          BiConsumer<Integer, Integer> progress) {
        public Options {
            Objects.requireNonNull(arch);
            Objects.requireNonNull(time);
            Objects.requireNonNull(spoolDirectory);
            Objects.requireNonNull(warnings);
            Objects.requireNonNull(progress);
            if (!arch.matches("[a-z0-9][a-z0-9-]*")) {
                throw new IllegalArgumentException("bad architecture name: " + arch);
            }
        }

        /** Without progress reports. */
        public Options(String arch, Timestamp time, Path spoolDirectory, Consumer<String> warnings) {
            this(arch, time, spoolDirectory, warnings, (done, total) -> { });
        }
    }

    private ForeignInstaller() {
    }

    /**
     * Unpacks {@code debs} in this order into {@code target} (later files win where packages
     * declare Replaces) and prepares their configuration at first boot. Returns the packages
     * unpacked. Errors name the package or the .deb.
     */
    public static List<UnpackedPackage> install(FileTree target, List<Path> debs, Options options) throws IOException {
        Files.createDirectories(options.spoolDirectory());
        boolean fromScratch = TargetPath.resolve(target, DpkgDatabase.ADMIN + "/status", true).node() == null;
        if (fromScratch) {
            MergedUsr.setUp(target, options.arch(), options.time());
        }
        DpkgDatabase db = DpkgDatabase.read(target);
        DebUnpacker unpacker = new DebUnpacker(target, db);
        Set<String> seen = new HashSet<>();
        // Reading and decompressing the packages is independent work, done in parallel; putting
        // them into the tree is done in the given order, since later packages win.
        int threads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "deb-read");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Prepared>> prepared = new ArrayList<>();
            for (int i = 0; i < debs.size(); i++) {
                Path deb = debs.get(i);
                String prefix = String.format("%04d-", i);
                prepared.add(pool.submit(() -> prepare(deb, prefix, options)));
            }
            int n = 0;
            for (Future<Prepared> f : prepared) {
                unpackOne(await(f), db, unpacker, seen);
                options.progress().accept(++n, debs.size());
            }
        } finally {
            pool.shutdownNow();
        }
        writeAccounts(target, options.time());
        db.writeTo(target, options.arch(), options.time());
        List<UnpackedPackage> done = db.unpacked();
        FirstBootConfigure.writeTo(target, done, options.time());
        return done;
    }

    /** A package read and decompressed, ready to go into the tree. */
    private record Prepared(DebArchive archive, StatusParagraph control, String name, String arch, String version,
                            boolean multiArchSame, String infoName, List<String> conffiles, FileTree data, String md5sums) {
    }

    private static Prepared await(Future<Prepared> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while reading packages");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IOException(e.getCause());
        }
    }

    private static Prepared prepare(Path deb, String spoolPrefix, Options options) throws IOException {
        DebArchive archive = DebArchive.open(deb);
        String where = archive.fileName();
        List<StatusParagraph> paragraphs = StatusParagraph.parseAll(archive.controlText(), where + ": control");
        if (paragraphs.size() != 1) {
            throw new InvalidDataException(where + ": control file has " + paragraphs.size() + " paragraphs, not one");
        }
        StatusParagraph control = paragraphs.get(0);
        String name = control.first("Package");
        String version = control.first("Version");
        String arch = control.first("Architecture");
        String multiArch = control.first("Multi-Arch");
        if (!name.matches("[a-z0-9][a-z0-9+.-]+")) {
            throw new InvalidDataException(where + ": bad or missing Package field '" + name + "'");
        }
        if (!version.matches("[A-Za-z0-9.+~:-]+")) {
            throw new InvalidDataException(where + ": " + name + ": bad or missing Version '" + version + "'");
        }
        if (!arch.equals("all") && !arch.equals(options.arch())) {
            throw new InvalidDataException(where + ": " + name + " is for architecture '" + arch
                    + "', the target is " + options.arch());
        }
        boolean same = multiArch.equals("same");
        String infoName = DpkgDatabase.infoName(name, arch, multiArch);
        List<String> conffiles = conffiles(archive, where);
        Path plainTar = options.spoolDirectory().resolve(spoolPrefix + spoolName(infoName, version));
        Files.deleteIfExists(plainTar);
        archive.extractDataTar(plainTar);
        FileTree data;
        try {
            data = TarImporter.read(plainTar, w -> options.warnings().accept(name + ": " + w));
        } catch (InvalidDataException e) {
            // The importer names the spooled file; the user knows the .deb.
            String msg = e.getMessage().startsWith(plainTar.getFileName() + ": ")
                    ? e.getMessage().substring(plainTar.getFileName().toString().length() + 2) : e.getMessage();
            throw new InvalidDataException(where + ": " + archive.dataMemberName() + ": " + msg, e);
        }
        for (String c : conffiles) {
            if (!(data.lookup(c) instanceof RegularFile)) {
                throw new InvalidDataException(where + ": conffile " + c + " is not a regular file of the package");
            }
        }
        DebArchive.ControlMember shipped = archive.controlMembers().get("md5sums");
        String md5sums = shipped != null ? shipped.text() : DebUnpacker.computeMd5sums(data, new LinkedHashSet<>(conffiles));
        return new Prepared(archive, control, name, arch, version, same, infoName, conffiles, data, md5sums);
    }

    private static void unpackOne(Prepared p, DpkgDatabase db, DebUnpacker unpacker, Set<String> seen) throws IOException {
        String where = p.archive().fileName();
        String name = p.name();
        String infoName = p.infoName();
        List<String> conffiles = p.conffiles();
        if (!seen.add(infoName)) {
            throw new InvalidDataException(where + ": " + infoName + " is given twice");
        }
        List<String> present = db.presentVersions(name);
        if (!present.isEmpty()) {
            throw new InvalidDataException(where + ": " + name + " is already in the base image (" + String.join(", ", present)
                    + "); upgrading packages of the base at build time is not supported");
        }
        Set<String> replaces = new HashSet<>(FirstBootConfigure.names(p.control().get("Replaces")));
        List<String> paths = unpacker.unpack(p.data(), name, infoName, new LinkedHashSet<>(conffiles), replaces);
        StatusParagraph control = p.control();
        DebArchive archive = p.archive();
        String arch = p.arch();
        String version = p.version();
        boolean same = p.multiArchSame();

        StatusParagraph status = control.with("Status", "install ok unpacked");
        if (!conffiles.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            for (String c : conffiles) {
                sb.append("\n ").append(c).append(" newconffile");
            }
            status = status.with("Conffiles", sb.toString());
        }
        db.addUnpacked(new UnpackedPackage(name, arch, version, same, status, paths, p.md5sums(), conffiles,
                archive.controlMembers()));
    }

    /**
     * The conffiles member: one absolute path a line; lines with flags before the path (dpkg's
     * {@code remove-on-upgrade}) name files the package does not ship and are not unpacked.
     */
    private static List<String> conffiles(DebArchive archive, String where) throws InvalidDataException {
        DebArchive.ControlMember m = archive.controlMembers().get("conffiles");
        List<String> out = new ArrayList<>();
        if (m == null) {
            return out;
        }
        for (String raw : m.text().split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || !line.startsWith("/")) {
                continue;
            }
            if (line.contains("/../") || line.endsWith("/..") || line.contains("/./")) {
                throw new InvalidDataException(where + ": bad conffile path " + line);
            }
            out.add(line);
        }
        return out;
    }

    private static String spoolName(String infoName, String version) {
        return (infoName + "_" + version).replace(":", "%3a") + ".tar";
    }

    /**
     * debootstrap leaves /etc/passwd and /etc/group to base-passwd's scripts, but ours run at
     * first boot after preinst scripts that may need the system users and groups: start from
     * base-passwd's masters, which base-passwd's own postinst then keeps up to date.
     */
    private static void writeAccounts(FileTree target, Timestamp time) throws IOException {
        for (String db : List.of("passwd", "group")) {
            String path = "/etc/" + db;
            if (TargetPath.resolve(target, path, true).node() != null) {
                continue;
            }
            TargetPath master = TargetPath.resolve(target, "/usr/share/base-passwd/" + db + ".master", true);
            if (master.node() instanceof RegularFile f) {
                DpkgDatabase.putBytes(target, path, f.content().readAll(), 0644, time);
            }
        }
    }
}
