package walt.vpn.deb;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import walt.vpn.tree.Directory;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.InvalidDataException;
import walt.vpn.tree.Node;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.Symlink;

/**
 * dpkg's unpack of one package's data archive into a target tree, without running anything:
 *
 * <ul>
 * <li>directories merge with existing ones, whose metadata stay as they are (dpkg leaves an
 * existing directory alone); a symlink to a directory where the package has a directory is
 * kept and followed, so merged-/usr trees get {@code ./bin/sh} at {@code /usr/bin/sh};</li>
 * <li>other files replace what is there (later wins). A file another package owns may only be
 * replaced when this package declares {@code Replaces} on it (version ranges are not checked:
 * the apt client's resolver owns version logic), and the owner's list loses the path, as dpkg
 * does; otherwise it is dpkg's "trying to overwrite" error. (Files shared by {@code Multi-Arch: same}
 * instances of one package need a foreign architecture, which the installer refuses.)</li>
 * <li>diversions recorded in the target ({@code /var/lib/dpkg/diversions}) are honoured: a
 * file diverted by another package goes to the diversion's target;</li>
 * <li>configuration files go to {@code NAME.dpkg-new}, which {@code dpkg --configure} renames
 * into place, as after a real {@code dpkg --unpack};</li>
 * <li>a non-directory where a directory is needed, or a directory where the package has a
 * file, stops the build with an error naming the package and the path.</li>
 * </ul>
 *
 * Hard links stay hard links: the data tree's node objects are placed as they are.
 */
final class DebUnpacker {

    private final FileTree target;
    private final DpkgDatabase db;

    DebUnpacker(FileTree target, DpkgDatabase db) {
        this.target = target;
        this.db = db;
    }

    /**
     * Unpacks {@code data} for the package {@code infoName} and returns the paths its list file
     * records, {@code /.} first.
     */
    List<String> unpack(FileTree data, String pkgName, String infoName, Set<String> conffiles, Set<String> replaces)
            throws IOException {
        List<String> paths = new ArrayList<>();
        paths.add("/.");
        List<Map.Entry<String, Node>> entries = new ArrayList<>();
        data.walk((p, n) -> entries.add(Map.entry(p, n)));
        // A stat override changes the inode: every path of a hard-linked file gets the changed
        // copy, so links stay links (dpkg applies it to whichever path the archive stores first).
        Map<Node, Node> overridden = new IdentityHashMap<>();
        for (Map.Entry<String, Node> e : entries) {
            DpkgDatabase.StatOverride o = db.statOverride(e.getKey());
            Node n = e.getValue();
            if (o != null && !(n instanceof Symlink) && !e.getKey().equals("/")) {
                overridden.put(n, n instanceof Directory d ? new Directory(override(d.metadata(), o)) : n.withMetadata(override(n.metadata(), o)));
            }
        }
        for (Map.Entry<String, Node> e : entries) {
            String path = e.getKey();
            if (path.equals("/")) {
                continue;
            }
            paths.add(path);
            Node node = overridden.getOrDefault(e.getValue(), e.getValue());
            if (node instanceof Directory d) {
                unpackDirectory(path, d, infoName);
            } else {
                unpackFile(path, node, pkgName, infoName, conffiles.contains(path), replaces);
            }
        }
        return paths;
    }

    private static walt.vpn.tree.Metadata override(walt.vpn.tree.Metadata m, DpkgDatabase.StatOverride o) {
        return m.withOwner(o.uid(), o.gid()).withPermissions(o.mode());
    }

    private void unpackDirectory(String path, Directory d, String pkg) throws InvalidDataException {
        TargetPath t = parentOf(path, pkg);
        Node existing = t.node();
        if (existing == null) {
            t.parent().put(t.name(), new Directory(d.metadata()));
            return;
        }
        if (existing instanceof Directory) {
            return;
        }
        if (existing instanceof Symlink) {
            TargetPath followed = TargetPath.resolve(target, path, true);
            if (followed.node() instanceof Directory) {
                return;
            }
            throw new InvalidDataException(pkg + ": cannot unpack directory " + path + ": " + t.physical()
                    + " is a symlink to " + (followed.node() == null ? "nothing" : "a non-directory") + owner(path, pkg));
        }
        throw new InvalidDataException(pkg + ": cannot unpack directory " + path + ": " + t.physical()
                + " is a " + describe(existing) + owner(path, pkg));
    }

    private void unpackFile(String path, Node node, String pkgName, String infoName, boolean conffile, Set<String> replaces)
            throws IOException {
        String place = db.divertedPath(path, pkgName);
        if (conffile) {
            place = place + ".dpkg-new";
        }
        TargetPath t = parentOf(place, infoName);
        if (t.node() instanceof Directory) {
            throw new InvalidDataException(infoName + ": trying to overwrite directory " + t.physical()
                    + " with a non-directory (" + path + ")" + owner(path, infoName));
        }
        for (String other : List.copyOf(db.owners(path))) {
            if (other.equals(infoName)) {
                continue;
            }
            String otherName = other.contains(":") ? other.substring(0, other.indexOf(':')) : other;
            if (!replaces.contains(otherName)) {
                throw new InvalidDataException(infoName + ": trying to overwrite " + path + ", which is also in package "
                        + other + " (and " + pkgName + " does not declare Replaces: " + otherName + ")");
            }
            db.transferOwnership(path, other, infoName);
        }
        t.parent().put(t.name(), node);
    }

    /** The lookup of {@code path}'s last component, its parent directory resolved through symlinks. */
    private TargetPath parentOf(String path, String pkg) throws InvalidDataException {
        TargetPath t = TargetPath.resolve(target, path, false);
        if (t.parent() == null) {
            String why = t.blockedBy() != null ? t.blockedBy() + " is not a directory" : "its parent directory is missing";
            throw new InvalidDataException(pkg + ": cannot unpack " + path + ": " + why
                    + (t.blockedBy() != null ? owner(t.blockedBy(), pkg) : ""));
        }
        return t;
    }

    private String owner(String path, String self) {
        Set<String> o = new LinkedHashSet<>(db.owners(path));
        o.remove(self);
        return o.isEmpty() ? "" : " (from package " + String.join(", ", o) + ")";
    }

    private static String describe(Node n) {
        return switch (n.type()) {
            case REGULAR -> "regular file";
            case SYMLINK -> "symlink";
            case CHAR_DEVICE, BLOCK_DEVICE -> "device";
            case FIFO -> "fifo";
            case SOCKET -> "socket";
            case DIRECTORY -> "directory";
        };
    }

    /** The hex MD5 of a file's content, as md5sums files hold it. */
    static String md5(RegularFile f) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 16];
        try (InputStream in = f.content().openStream()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * The md5sums file dpkg would make for a package that ships none: every regular file but
     * the configuration files, whose sums dpkg keeps in the status file.
     */
    static String computeMd5sums(FileTree data, Set<String> conffiles) throws IOException {
        List<Map.Entry<String, Node>> files = new ArrayList<>();
        data.walk((p, n) -> {
            if (n instanceof RegularFile && !conffiles.contains(p)) {
                files.add(Map.entry(p, n));
            }
        });
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Node> e : files) {
            sb.append(md5((RegularFile) e.getValue())).append("  ").append(e.getKey().substring(1)).append('\n');
        }
        return sb.toString();
    }
}
