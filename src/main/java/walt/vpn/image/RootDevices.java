package walt.vpn.image;

import java.util.List;
import walt.vpn.tree.DeviceNode;
import walt.vpn.tree.Directory;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.FileType;
import walt.vpn.tree.Metadata;
import walt.vpn.tree.Symlink;
import walt.vpn.tree.Timestamp;

/**
 * The few entries of {@code /dev} a root tree needs to be used as a chroot with nothing mounted
 * on it, the set debootstrap makes: the character devices a container may always open, and the
 * links into {@code /proc} and {@code devpts}. Maintainer scripts redirect to {@code /dev/null}
 * and read {@code /dev/urandom}; without these a chroot would need a bind mount of the host's
 * {@code /dev} before the first-boot script can run. A booted system mounts devtmpfs over them.
 */
final class RootDevices {

    private static final int CONSOLE_MODE = 0600;
    private static final int SHARED_MODE = 0666;

    /** A character device: name, major, minor, mode. */
    private record Device(String name, int major, int minor, int mode) {
    }

    private static final List<Device> DEVICES = List.of(
            new Device("null", 1, 3, SHARED_MODE),
            new Device("zero", 1, 5, SHARED_MODE),
            new Device("full", 1, 7, SHARED_MODE),
            new Device("random", 1, 8, SHARED_MODE),
            new Device("urandom", 1, 9, SHARED_MODE),
            new Device("tty", 5, 0, SHARED_MODE),
            new Device("console", 5, 1, CONSOLE_MODE));

    /** Name and target: the pty multiplexer of the devpts mounted there, and the descriptors of /proc. */
    private static final List<List<String>> LINKS = List.of(
            List.of("ptmx", "pts/ptmx"),
            List.of("fd", "/proc/self/fd"),
            List.of("stdin", "/proc/self/fd/0"),
            List.of("stdout", "/proc/self/fd/1"),
            List.of("stderr", "/proc/self/fd/2"));

    private RootDevices() {
    }

    /** Adds to {@code root}'s /dev (made if missing) what it lacks of the set; what a package put there is kept. */
    static void addTo(FileTree root, Timestamp time) {
        Metadata dir = Metadata.of(0755, time);
        if (!(root.lookup("/dev") instanceof Directory)) {
            root.put("/dev", new Directory(dir), dir);
        }
        Directory dev = (Directory) root.lookup("/dev");
        for (Device d : DEVICES) {
            if (dev.child(d.name()) == null) {
                dev.put(d.name(), new DeviceNode(FileType.CHAR_DEVICE, Metadata.of(d.mode(), time), d.major(), d.minor()));
            }
        }
        for (List<String> link : LINKS) {
            if (dev.child(link.get(0)) == null) {
                dev.put(link.get(0), new Symlink(Metadata.of(0777, time), link.get(1)));
            }
        }
        for (String name : List.of("pts", "shm")) {
            if (dev.child(name) == null) {
                dev.put(name, new Directory(dir));
            }
        }
    }
}
