package walt.vpn.image;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import walt.vpn.deb.AptRepository;
import walt.vpn.disk.AtomicOutput;
import walt.vpn.deb.DebDownloader;
import walt.vpn.deb.DebianSnapshot;
import walt.vpn.deb.DebianVersion;
import walt.vpn.deb.DependencyResolver;
import walt.vpn.deb.FirstBootConfigure;
import walt.vpn.deb.ForeignInstaller;
import walt.vpn.deb.InstalledPackages;
import walt.vpn.deb.PackageEntry;
import walt.vpn.deb.PackageIndex;
import walt.vpn.image.boot.BootPartition;
import walt.vpn.image.boot.Initramfs;
import walt.vpn.image.boot.KeptBootPartition;
import walt.vpn.image.boot.KernelModules;
import walt.vpn.image.recipe.Recipe;
import walt.vpn.tree.BytesContent;
import walt.vpn.tree.Directory;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.HostDirectoryReader;
import walt.vpn.tree.InvalidDataException;
import walt.vpn.tree.Metadata;
import walt.vpn.tree.Node;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.TarExporter;
import walt.vpn.tree.Timestamp;

/**
 * Turns a recipe into a bootable SD card image without running any code of the target
 * architecture: packages are resolved against the signed repository, downloaded, unpacked into
 * a tree (maintainer scripts run at first boot), the overlays and files are laid on top, the
 * boot partition and an initramfs are made on the host, and both filesystems are written into
 * one image. Same recipe, same repository state, same SOURCE_DATE_EPOCH: same bytes.
 *
 * <p>A recipe can also start from an SD card image ({@link BaseImage}): its partitions are read
 * with our own readers, the packages it lacks are added over its root as above, and its boot
 * partition is kept ({@link KeptBootPartition}) instead of being made.
 *
 * <p>A recipe of target {@code rootfs} stops at the root tree: only its own packages are
 * unpacked (no kernel, firmware or initramfs), debootstrap's minimal {@code /dev} is added
 * ({@link RootDevices}), and the tree is written as a PAX tar by {@link TarExporter}, whose
 * entry order and clamped times make the same bytes from the same inputs.
 */
public final class ImageBuilder {

    /** The kernel and firmware every Raspberry Pi image needs, added to the recipe's packages. */
    public static final List<String> BOOT_PACKAGES = List.of("linux-image-arm64", "raspi-firmware");
    /** Needed to build the initramfs, never installed. */
    public static final String INITRAMFS_BUSYBOX = "busybox-static";
    /** About what a tar entry adds to its content (PAX header, ustar header, padding): for the progress bar only. */
    private static final long TAR_ENTRY_OVERHEAD = 3 * 512;

    /** How long each stage took and what it made, for the summary. */
    public record Stage(String name, long millis, String detail) {
    }

    private final Recipe recipe;
    private final Path cache;
    private final boolean offline;
    private final Timestamp fixedTime;
    private final Progress progress;
    private final List<Stage> stages = new ArrayList<>();
    private long stageStart;
    private Progress.Bar bar;
    private Timestamp usedTime;

    /**
     * @param sourceDateEpoch the time of every file and filesystem, or null for the recipe's
     *                        snapshot time, else the repository's Release date (the same for
     *                        the same repository state)
     * @param progress        draws a bar per stage (or nothing)
     */
    public ImageBuilder(Recipe recipe, Path cache, boolean offline, Timestamp sourceDateEpoch, Progress progress) {
        this.recipe = recipe;
        this.cache = cache;
        this.offline = offline;
        this.fixedTime = sourceDateEpoch;
        this.progress = progress;
    }

    /** The time stamped on the image's files (after {@link #build}). */
    public Timestamp time() {
        return usedTime;
    }

    /** Runs one more stage of the caller's, with its bar, timed and listed in the summary. */
    public <E extends Exception> void stage(String name, long total, Progress.Unit unit, StageWork<E> work) throws E {
        Progress.Bar b = begin(name, total, unit);
        try {
            end(work.run(b));
        } finally {
            b.close();
        }
    }

    /** Work of a stage, told its bar; returns what it made, for the summary. */
    public interface StageWork<E extends Exception> {
        String run(Progress.Bar bar) throws E;
    }

    public List<Stage> stages() {
        return List.copyOf(stages);
    }

    /**
     * Builds the raw image at {@code target}, or for a rootfs recipe the tar (written to a
     * temporary file, renamed when whole).
     */
    public void build(Path target) throws IOException {
        // Unpacked data archives and a decompressed base: the trees read file contents from
        // them until the image is written.
        Path spool = Files.createTempDirectory(cacheRoot(), "spool-");
        try {
            if (recipe.target() == Recipe.Target.ROOTFS) {
                // The recipe reader refuses an image base for this target.
                buildRootfs((Recipe.DebianBase) recipe.base(), target, spool);
            } else if (recipe.base() instanceof Recipe.ImageBase base) {
                buildOnImage(base, target, spool);
            } else {
                buildFromDebian((Recipe.DebianBase) recipe.base(), target, spool);
            }
        } finally {
            if (bar != null) {
                bar.close(); // a failed stage: its line ends before the error's
            }
            deleteTree(spool);
        }
    }

    private void buildFromDebian(Recipe.DebianBase b, Path target, Path spool) throws IOException {
        List<String> wanted = new ArrayList<>(recipe.packages());
        for (String p : BOOT_PACKAGES) {
            if (!wanted.contains(p)) {
                wanted.add(p);
            }
        }
        Resolved resolved = resolve(b, wanted);
        List<PackageEntry> install = resolved.install();
        PackageEntry busybox = resolved.index().versions(INITRAMFS_BUSYBOX).stream().findFirst()
                .orElseThrow(() -> new InvalidDataException("the repository has no " + INITRAMFS_BUSYBOX + " for the initramfs"));
        end(install.size() + " packages to install");

        List<PackageEntry> all = new ArrayList<>(install);
        all.add(busybox);
        List<Path> debs = download(resolved.repo(), all);
        Timestamp time = usedTime;

        FileTree root = FileTree.empty(time);
        FileTree tools = FileTree.empty(time);
        begin("unpack", all.size(), Progress.Unit.PACKAGES);
        unpack(root, debs.subList(0, install.size()), b.apt(), spool);
        unpack(tools, List.of(debs.get(debs.size() - 1)), b.apt(), spool);
        end(install.size() + " packages unpacked");

        overlay(root);

        begin("boot", 1, Progress.Unit.STEPS);
        String kernel = kernelVersion(root);
        SdCardImage card = new SdCardImage(seed(install), time, recipe.partitions().bootBytes(), recipe.partitions().rootBytes());
        List<String> cmdline = new ArrayList<>();
        if (b.essential()) {
            cmdline.add(FirstBootConfigure.KERNEL_ARGUMENT);
        }
        cmdline.addAll(recipe.boot().cmdline());
        BootPartition boot;
        try {
            boot = new BootPartition(kernel, card.partUuid(2), card.partUuid(1), recipe.boot().config(), cmdline);
        } catch (IllegalArgumentException e) {
            throw new InvalidDataException(recipe.source().getFileName() + ": boot: " + e.getMessage());
        }
        List<String> modules = recipe.boot().modules().isEmpty() ? Initramfs.DEFAULT_MODULES : recipe.boot().modules();
        byte[] initramfs = Initramfs.build(KernelModules.of(root, kernel), modules,
                (RegularFile) tools.lookup("/usr/bin/busybox"), time).bytes();
        FileTree bootTree = boot.bootTree(root, initramfs, time);
        boot.completeRoot(root, initramfs, time);
        end("kernel " + kernel + ", initramfs " + (initramfs.length >> 10) + " KiB");

        write(card, bootTree, root, target);
    }

    /**
     * The root tree alone, written as a tar at {@code target}: the recipe's packages (and the
     * required set), its overlays and files, and the devices a chroot needs.
     */
    private void buildRootfs(Recipe.DebianBase b, Path target, Path spool) throws IOException {
        Resolved resolved = resolve(b, recipe.packages());
        List<PackageEntry> install = resolved.install();
        end(install.size() + " packages to install");

        List<Path> debs = download(resolved.repo(), install);
        FileTree root = FileTree.empty(usedTime);
        begin("unpack", install.size(), Progress.Unit.PACKAGES);
        unpack(root, debs, b.apt(), spool);
        RootDevices.addTo(root, usedTime);
        end(install.size() + " packages unpacked");

        overlay(root);
        writeTar(root, target);
    }

    /** Writes the tree, its times clamped to the build's, as a PAX tar: to a temporary file, renamed when whole. */
    private void writeTar(FileTree root, Path target) throws IOException {
        FileTree clamped = root.reproducibleTimes(usedTime);
        long[] entries = {0};
        clamped.walk((path, node) -> entries[0]++);
        begin("tar", clamped.contentBytes() + entries[0] * TAR_ENTRY_OVERHEAD, Progress.Unit.BYTES);
        try (AtomicOutput out = new AtomicOutput(target)) {
            try (OutputStream os = new ProgressOutputStream(Files.newOutputStream(out.tempPath()), n -> bar.advance(n))) {
                // A root made from packages holds no socket, the one thing tar cannot keep; should
                // an overlay bring one, it is said, not hidden.
                TarExporter.write(clamped, os, warning -> System.err.println("walt: warning: " + warning));
            }
            out.commit();
        }
        end(target.getFileName() + ", " + entries[0] + " entries, " + (Files.size(target) >> 20) + " MiB");
    }

    /**
     * A base image's partitions, read and kept: packages the recipe adds that the base lacks
     * are resolved against what its dpkg status says is there, unpacked over its root (their
     * database entries added to the base's), and the boot partition keeps its files.
     */
    private void buildOnImage(Recipe.ImageBase b, Path target, Path spool) throws IOException {
        String name = b.file() != null ? b.file().getFileName().toString() : b.url().toString();
        long size = b.file() != null ? Files.size(b.file()) : 0;
        begin("base", size, Progress.Unit.BYTES);
        try (BaseImageFile file = BaseImageFile.prepare(b, cache, spool, offline, n -> bar.advance(n));
             BaseImage base = BaseImage.read(file, name)) {
            FileTree root = base.rootTree();
            end(name + ", " + (Files.size(file.raw()) >> 20) + " MiB, boot and root partitions read");

            List<PackageEntry> install = List.of();
            Timestamp time = fixedTime;
            if (b.apt() != null) {
                AptRepository repo = repository(b.apt());
                PackageIndex index = index(repo, b.apt());
                time = usedTime;
                begin("resolve", 1, Progress.Unit.STEPS);
                InstalledPackages installed = InstalledPackages.of(root, b.apt().architecture());
                if (installed.versions().isEmpty() && !recipe.packages().isEmpty()) {
                    throw new InvalidDataException(name + ": the root has no dpkg status (/var/lib/dpkg/status): packages cannot be added to it");
                }
                install = installed.resolver(index).resolve(recipe.packages(), false);
                end(install.size() + " packages to add to the " + installed.versions().size() + " of the base");
                List<Path> debs = download(repo, install);
                begin("unpack", install.size(), Progress.Unit.PACKAGES);
                if (!install.isEmpty()) {
                    ForeignInstaller.install(root, debs, installOptions(b.apt(), spool, (done, n) -> bar.advance(1)));
                }
                end(install.size() + " packages unpacked");
            }
            if (time == null) {
                time = root.newestTime();
            }
            usedTime = time;

            overlay(root);

            begin("boot", 1, Progress.Unit.STEPS);
            SdCardImage card = new SdCardImage(seed(install), time,
                    recipe.partitions().bootBytes() > 0 ? recipe.partitions().bootBytes() : base.bootBytes(), recipe.partitions().rootBytes());
            FileTree bootTree = base.bootTree();
            try {
                new KeptBootPartition(recipe.boot().config(), recipe.boot().cmdline(),
                        Map.of(base.bootPartUuid(), card.partUuid(1), base.rootPartUuid(), card.partUuid(2))).applyTo(bootTree, root, time);
            } catch (IllegalArgumentException e) {
                throw new InvalidDataException(recipe.source().getFileName() + ": boot: " + e.getMessage());
            }
            end("boot partition of the base kept, root=PARTUUID=" + card.partUuid(2));

            write(card, bootTree.reproducibleTimes(time), root, target);
        }
    }

    /** The packages to install, and the repository and index they come from. */
    private record Resolved(AptRepository repo, PackageIndex index, List<PackageEntry> install) {
    }

    /** Starts the "resolve" stage, which the caller ends once it has looked up what else it needs. */
    private Resolved resolve(Recipe.DebianBase b, List<String> wanted) throws IOException {
        AptRepository repo = repository(b.apt());
        PackageIndex index = index(repo, b.apt());
        begin("resolve", 1, Progress.Unit.STEPS);
        List<PackageEntry> install = new DependencyResolver(index, Map.of(), Map.of()).resolve(wanted, b.essential());
        return new Resolved(repo, index, install);
    }

    /** Unpacks {@code debs} into {@code tree}, a step of the "unpack" stage's bar for each. */
    private void unpack(FileTree tree, List<Path> debs, Recipe.Apt apt, Path spool) throws IOException {
        if (!debs.isEmpty()) {
            ForeignInstaller.install(tree, debs, installOptions(apt, spool, (done, n) -> bar.advance(1)));
        }
    }

    private AptRepository repository(Recipe.Apt apt) {
        return new AptRepository(apt.source(), cache, offline, apt.snapshot() == null ? null : apt.snapshot().time());
    }

    /** The index stage; sets the build time unless given: the snapshot's, else the Release's. */
    private PackageIndex index(AptRepository repo, Recipe.Apt apt) throws IOException {
        begin("index", 1, Progress.Unit.STEPS);
        PackageIndex index = repo.index();
        usedTime = buildTime(fixedTime, apt.snapshot(), repo::releaseDate);
        end(index.size() + " packages in " + apt.suite() + " " + String.join(",", apt.components())
                + (apt.snapshot() != null ? " at " + apt.snapshot() : ""));
        return index;
    }

    /** Where the time of a build comes from, when it is not fixed. */
    interface ReleaseDate {
        Timestamp get() throws InvalidDataException;
    }

    /**
     * The time of a build: SOURCE_DATE_EPOCH when set, else the snapshot's (the archive as it
     * was then, so the time does not move either), else the Release's Date.
     */
    static Timestamp buildTime(Timestamp sourceDateEpoch, DebianSnapshot snapshot, ReleaseDate release) throws InvalidDataException {
        if (sourceDateEpoch != null) {
            return sourceDateEpoch;
        }
        return snapshot != null ? Timestamp.of(snapshot.time()) : release.get();
    }

    private List<Path> download(AptRepository repo, List<PackageEntry> packages) throws IOException {
        long total = 0;
        for (PackageEntry p : packages) {
            total += Math.max(0, p.size());
        }
        begin("download", total, Progress.Unit.BYTES);
        List<Path> debs = new DebDownloader(repo).fetch(packages, n -> bar.advance(n));
        end(debs.size() + " .deb files, " + (total >> 20) + " MiB");
        return debs;
    }

    private ForeignInstaller.Options installOptions(Recipe.Apt apt, Path spool, java.util.function.BiConsumer<Integer, Integer> unpacked) {
        return new ForeignInstaller.Options(apt.architecture(), usedTime, spool, w -> { }, unpacked);
    }

    private void overlay(FileTree root) throws IOException {
        Timestamp time = usedTime;
        begin("overlay", recipe.overlays().size() + recipe.files().size(), Progress.Unit.FILES);
        for (Path overlay : recipe.overlays()) {
            merge(root.root(), new HostDirectoryReader(overlay).asCheckout(true).read().root(), time);
            bar.advance(1);
        }
        Metadata dir = Metadata.of(0755, time);
        for (Recipe.FileSpec f : recipe.files()) {
            root.put(f.path(), new RegularFile(new Metadata(f.mode(), f.uid(), f.gid(), time, time, time, walt.vpn.tree.Xattrs.NONE),
                    new BytesContent(f.content())), dir);
            bar.advance(1);
        }
        forgetMachineIdentity(root, time);
        end(recipe.overlays().size() + " overlays, " + recipe.files().size() + " files");
    }

    private void write(SdCardImage card, FileTree boot, FileTree root, Path target) throws IOException {
        FileTree clamped = root.reproducibleTimes(usedTime);
        begin("image", boot.contentBytes() + clamped.contentBytes(), Progress.Unit.BYTES);
        card.write(boot, clamped, target, n -> bar.advance(n));
        end(target.getFileName() + ", " + (Files.size(target) >> 20) + " MiB");
    }

    private Path cacheRoot() throws IOException {
        Files.createDirectories(cache);
        return cache;
    }

    /** A seed from what the image is made of: the recipe's bytes and the exact packages. */
    private long seed(List<PackageEntry> install) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(Files.readAllBytes(recipe.source()));
            for (PackageEntry p : install) {
                md.update((p.name() + " " + p.version() + " " + p.sha256() + "\n").getBytes(StandardCharsets.UTF_8));
            }
            byte[] d = md.digest();
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = (v << 8) | (d[i] & 0xFF);
            }
            return v;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The newest kernel in /boot, by Debian version order of the part after "vmlinuz-". */
    private static String kernelVersion(FileTree root) throws IOException {
        if (!(root.lookup("/boot") instanceof Directory boot)) {
            throw new InvalidDataException("no /boot in the root tree: is a linux-image package installed?");
        }
        List<String> versions = new ArrayList<>();
        for (String name : boot.children().keySet()) {
            if (name.startsWith("vmlinuz-")) {
                versions.add(name.substring(8));
            }
        }
        if (versions.isEmpty()) {
            throw new InvalidDataException("no kernel /boot/vmlinuz-* in the root tree");
        }
        versions.sort(Comparator.comparing(v -> {
            try {
                return DebianVersion.parse(v.replaceAll("[^A-Za-z0-9.+~]", "."));
            } catch (InvalidDataException e) {
                return new DebianVersion(0, "0", "");
            }
        }));
        return versions.get(versions.size() - 1);
    }

    /**
     * SSH host keys and the machine id identify one machine: made at first boot, never shared by
     * every card made from this image. An empty machine-id tells systemd it is the first boot.
     */
    private static void forgetMachineIdentity(FileTree root, Timestamp time) {
        if (root.lookup("/etc/ssh") instanceof Directory ssh) {
            for (String name : new ArrayList<>(ssh.children().keySet())) {
                if (name.startsWith("ssh_host_")) {
                    ssh.remove(name);
                }
            }
        }
        if (root.lookup("/etc") instanceof Directory) {
            root.put("/etc/machine-id", new RegularFile(Metadata.of(0444, time), new BytesContent(new byte[0])), Metadata.of(0755, time));
        }
        if (root.lookup("/var/lib/dbus") instanceof Directory dbus) {
            dbus.remove("machine-id");
        }
    }

    /** Lays {@code overlay} over {@code into}: files replace, folders merge (keeping the base's metadata). */
    private static void merge(Directory into, Directory overlay, Timestamp time) {
        for (Map.Entry<String, Node> e : overlay.children().entrySet()) {
            Node existing = into.child(e.getKey());
            if (e.getValue() instanceof Directory od && existing instanceof Directory ed) {
                merge(ed, od, time);
            } else {
                into.put(e.getKey(), e.getValue());
            }
        }
    }

    private Progress.Bar begin(String name, long total, Progress.Unit unit) {
        stageStart = System.nanoTime();
        stages.add(new Stage(name, -1, ""));
        bar = progress.bar(name, total, unit);
        return bar;
    }

    private void end(String detail) {
        Stage s = stages.remove(stages.size() - 1);
        stages.add(new Stage(s.name(), (System.nanoTime() - stageStart) / 1_000_000, detail));
        bar.finish();
        bar = null;
    }

    /** Removes a folder and everything in it, if it exists. */
    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** The summary table: stage, seconds, what it made. */
    public String summary() {
        long total = 0;
        StringBuilder b = new StringBuilder();
        for (Stage s : stages) {
            b.append(String.format("%-10s %7.2f s  %s%n", s.name(), s.millis() / 1000.0, s.detail()));
            total += Math.max(0, s.millis());
        }
        b.append(String.format("%-10s %7.2f s%n", "total", total / 1000.0));
        return b.toString();
    }
}
