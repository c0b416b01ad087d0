package walt.vpn.disk;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A whole disk as the kernel describes it in sysfs: what the checks before writing a card ask
 * (its size, whether it is removable, its partitions, what holds it) and what the question names.
 *
 * @param path      the device node given, e.g. /dev/sdb
 * @param name      the kernel's name, e.g. sdb
 * @param size      bytes
 * @param removable the kernel says removable, or it is an SD card (an mmc reader built into a
 *                  laptop reports removable 0 although the card comes out)
 * @param model     the model the disk reports, or its name when it reports none
 * @param numbers   major:minor of the disk and of each of its partitions, as mountinfo names them
 * @param nodes     /dev paths of the disk and of each partition, as mount sources name them
 * @param holders   kernel names of what is stacked on the disk or a partition (device mapper, md)
 */
public record BlockDevice(Path path, String name, long size, boolean removable, String model, List<String> numbers,
                          List<String> nodes, List<String> holders) {

    /** The kernel's block devices by major:minor: each a link to the device's folder. */
    static final Path SYS_DEV_BLOCK = Path.of("/sys/dev/block");
    /** Sizes in sysfs count 512-byte sectors whatever the disk's own sector size. */
    private static final long SYSFS_SECTOR = 512;
    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;

    /** The disk at {@code path}; an IllegalArgumentException when it is not a whole block device. */
    public static BlockDevice of(Path path) throws IOException {
        int mode = (Integer) Files.getAttribute(path, "unix:mode");
        if ((mode & S_IFMT) != S_IFBLK) {
            throw new IllegalArgumentException(path + " is not a block device (give the card's, e.g. /dev/sdb or /dev/mmcblk0)");
        }
        long rdev = (Long) Files.getAttribute(path, "unix:rdev");
        Path sys = SYS_DEV_BLOCK.resolve(major(rdev) + ":" + minor(rdev)).toRealPath();
        String name = sys.getFileName().toString();
        if (Files.exists(sys.resolve("partition"))) {
            throw new IllegalArgumentException(path + " is a partition: give the whole card (" + sys.getParent().getFileName() + ")");
        }
        List<String> numbers = new ArrayList<>(List.of(read(sys.resolve("dev"))));
        List<String> nodes = new ArrayList<>(List.of(path.toString(), "/dev/" + name));
        List<String> holders = new ArrayList<>(list(sys.resolve("holders")));
        for (Path part : partitions(sys)) {
            numbers.add(read(part.resolve("dev")));
            nodes.add("/dev/" + part.getFileName());
            holders.addAll(list(part.resolve("holders")));
        }
        long size = Long.parseLong(read(sys.resolve("size"))) * SYSFS_SECTOR;
        boolean removable = "1".equals(read(sys.resolve("removable")))
                || "SD".equals(readOrNull(sys.resolve("device/type")));
        String model = readOrNull(sys.resolve("device/model"));
        if (model == null || model.isEmpty()) {
            model = readOrNull(sys.resolve("device/name")); // what an mmc card calls itself
        }
        return new BlockDevice(path, name, size, removable, model == null || model.isEmpty() ? name : model,
                List.copyOf(numbers), List.copyOf(nodes), List.copyOf(holders));
    }

    /** As the question shows it: "15.9 GB" (decimal, as cards are sold). */
    public String sizeText() {
        return String.format(java.util.Locale.ROOT, "%.1f GB", size / 1e9);
    }

    private static List<Path> partitions(Path sys) throws IOException {
        try (Stream<Path> s = Files.list(sys)) {
            return s.filter(p -> Files.exists(p.resolve("partition"))).sorted().toList();
        }
    }

    private static List<String> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static String read(Path p) throws IOException {
        return Files.readString(p, StandardCharsets.US_ASCII).strip();
    }

    private static String readOrNull(Path p) throws IOException {
        return Files.isRegularFile(p) ? read(p) : null;
    }

    // glibc's gnu_dev_major/minor: the number's bits as Linux splits them.
    private static long major(long rdev) {
        return ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
    }

    private static long minor(long rdev) {
        return (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
    }
}
