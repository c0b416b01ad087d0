package walt.vpn.deb;

import java.util.ArrayList;
import java.util.List;
import walt.vpn.tree.Directory;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.InvalidDataException;
import walt.vpn.tree.Metadata;
import walt.vpn.tree.Node;
import walt.vpn.tree.Symlink;
import walt.vpn.tree.Timestamp;

/**
 * The merged-/usr layout of a from-scratch base, as debootstrap makes it before unpacking
 * anything for trixie (its {@code setup_merged_usr}): {@code /bin}, {@code /sbin}, {@code /lib}
 * and the architecture's extra library directories are symlinks into {@code /usr}. Packages
 * that still ship {@code ./bin/...} then land in {@code /usr/bin} (see {@link DebUnpacker}).
 */
public final class MergedUsr {

    private MergedUsr() {
    }

    /** The top-level directories that are symlinks to {@code usr/NAME} on {@code arch}. */
    public static List<String> aliasedDirectories(String arch) {
        List<String> dirs = new ArrayList<>(List.of("bin", "sbin", "lib"));
        dirs.addAll(switch (arch) {
            case "amd64", "x32" -> List.of("lib32", "lib64", "libx32");
            case "i386" -> List.of("lib64", "libx32");
            case "mips", "mipsel" -> List.of("lib32", "lib64");
            case "mips64el" -> List.of("lib32", "lib64", "libo32");
            case "ppc64el", "powerpc", "sparc" -> List.of("lib64");
            case "ppc64", "sparc64" -> List.of("lib32", "lib64");
            case "s390x" -> List.of("lib32");
            case "loong64", "riscv64" -> List.of("lib64");
            // arm64, armhf, armel: the dynamic loader lives under /lib.
            default -> List.of();
        });
        return dirs;
    }

    /**
     * Makes {@code /NAME -> usr/NAME} and {@code /usr/NAME/} for each aliased directory that
     * does not exist yet; an existing real directory is an error, since unpacking would then give
     * a half-merged tree.
     */
    public static void setUp(FileTree tree, String arch, Timestamp time) throws InvalidDataException {
        Metadata dir = Metadata.of(0755, time);
        Directory usr = directory(tree.root(), "usr", dir);
        for (String name : aliasedDirectories(arch)) {
            directory(usr, name, dir);
            Node top = tree.root().child(name);
            if (top == null) {
                tree.root().put(name, new Symlink(Metadata.of(0777, time), "usr/" + name));
            } else if (!(top instanceof Symlink)) {
                throw new InvalidDataException("cannot set up merged /usr: /" + name + " already exists and is not a symlink");
            }
        }
    }

    private static Directory directory(Directory parent, String name, Metadata meta) throws InvalidDataException {
        Node n = parent.child(name);
        if (n == null) {
            Directory d = new Directory(meta);
            parent.put(name, d);
            return d;
        }
        if (n instanceof Directory d) {
            return d;
        }
        throw new InvalidDataException("cannot set up merged /usr: " + name + " exists and is not a directory");
    }
}
