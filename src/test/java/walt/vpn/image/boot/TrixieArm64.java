package walt.vpn.image.boot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import walt.vpn.deb.ForeignInstaller;
import walt.vpn.deb.HostAptPackages;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.Timestamp;

/**
 * Debian 13 arm64's kernel, static busybox and Raspberry Pi firmware, downloaded once into the
 * test cache and unpacked once per test run into a tree: what the boot side is built from.
 * Tests are skipped when the mirror cannot be reached and nothing is cached. The end-to-end
 * test network-boots this kernel.
 */
public final class TrixieArm64 {

    static final String MIRROR = "http://deb.debian.org/debian";
    public static final Timestamp TIME = Timestamp.ofSeconds(1_750_000_000L);

    public record Unpacked(FileTree root, String kernelVersion, RegularFile busybox) {
    }

    private static Unpacked unpacked;

    private TrixieArm64() {
    }

    public static synchronized Unpacked get() throws IOException, InterruptedException {
        if (unpacked != null) {
            return unpacked;
        }
        HostAptPackages main = HostAptPackages.mirror(MIRROR, "trixie", "main", "arm64");
        HostAptPackages firmware = HostAptPackages.mirror(MIRROR, "trixie", "non-free-firmware", "arm64");
        String kernelPackage = null;
        for (HostAptPackages.Available a : main.packages("linux-image-arm64")) {
            // The metapackage depends on exactly one versioned kernel package.
            kernelPackage = a.depends().replaceAll(".*?(linux-image-[^ ,(]+).*", "$1");
        }
        List<Path> debs = new ArrayList<>();
        debs.addAll(main.download(main.packages(kernelPackage, "busybox-static")));
        debs.addAll(firmware.download(firmware.packages("raspi-firmware")));
        FileTree root = FileTree.empty(TIME);
        // The tree reads file contents from the spooled data.tar files: they live as long as the JVM.
        Path spool = Files.createTempDirectory("walt-boot-spool");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (var s = Files.walk(spool)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a temporary directory left behind is harmless
            }
        }));
        ForeignInstaller.install(root, debs, new ForeignInstaller.Options("arm64", TIME, spool, w -> { }));
        String version = kernelPackage.substring("linux-image-".length());
        unpacked = new Unpacked(root, version, (RegularFile) root.lookup("/usr/bin/busybox"));
        return unpacked;
    }
}
