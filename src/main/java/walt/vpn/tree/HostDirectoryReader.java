package walt.vpn.tree;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * Reads a directory of the host into a {@link FileTree}: regular files (content read lazily
 * through {@link PathContent}), directories, symlinks, character and block devices, FIFOs and
 * sockets, with nanosecond times and hard links (two paths with the same device and inode
 * become the same {@link Node}). Entries are visited in name order, so the result does not
 * depend on the order the host lists them in.
 *
 * <p>Ownership: a checkout or a copy made without root has lost the real owners, so every
 * entry is owned by 0:0 unless {@link #keepOwners(boolean)} is set (mkfs sets it unless told
 * {@code --owners root}). Permissions, owners and xattrs can then be adjusted with an
 * override file, see {@link TreeOverrides}.
 *
 * <p>Extended attributes: every namespace the caller may read ({@code user.*},
 * {@code security.*}, {@code trusted.*} as root, POSIX ACLs), from regular files, directories
 * and FIFOs, see {@link HostXattrs}; a device's, a symlink's or a socket's are not read (set
 * them through the override file). An attribute that cannot be read is an error, not a
 * silent loss.
 *
 * <p>Limits of the JDK: file names are decoded with the locale's charset, so the JVM must run
 * in a UTF-8 locale (a name that may have been mangled is an error otherwise); symlink targets
 * come back normalized (duplicate and trailing slashes dropped).
 */
public final class HostDirectoryReader {

    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};
    private static final boolean UTF8_NAMES = "UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding", "UTF-8"));

    private final Path root;
    private boolean keepOwners;
    private boolean asCheckout;
    private boolean readXattrs = true;
    private TreeOverrides overrides;

    private final Map<String, Node> byInode = new ConcurrentHashMap<>();

    public HostDirectoryReader(Path root) {
        this.root = root;
    }

    /**
     * Reads {@code dir}, root-owned unless {@code keepHostOwners}, then applies the rules of
     * {@code overridesOrNull} (see {@link TreeOverrides} for the format).
     */
    public static FileTree read(Path dir, Path overridesOrNull, boolean keepHostOwners) throws IOException {
        return read(dir, overridesOrNull, keepHostOwners, true);
    }

    /** The same, the host's xattrs left unread unless {@code hostXattrs}. */
    public static FileTree read(Path dir, Path overridesOrNull, boolean keepHostOwners, boolean hostXattrs) throws IOException {
        HostDirectoryReader r = new HostDirectoryReader(dir).keepOwners(keepHostOwners).readXattrs(hostXattrs);
        if (overridesOrNull != null) {
            r.overrides(TreeOverrides.read(overridesOrNull));
        }
        return r.read();
    }

    /**
     * Whether this JVM lets the reader see every xattr namespace; without the jar's manifest
     * (see {@link HostXattrs}) only {@code user.*}.
     */
    public static boolean readsAllXattrs() {
        return HostXattrs.allNamespaces();
    }

    /** Keep the host's uid and gid instead of making everything root-owned. */
    public HostDirectoryReader keepOwners(boolean keep) {
        this.keepOwners = keep;
        return this;
    }

    /**
     * Only what git keeps, whatever the umask and the host of the checkout: modes 0755 for
     * directories and for files with an x bit, 0644 for other files, and no xattrs (what a
     * host adds, an SELinux label, a browser's user.xdg.origin.url, is the host's). For folders
     * from a repository (recipe overlays), whose images must not depend on who checked them out.
     */
    public HostDirectoryReader asCheckout(boolean checkout) {
        this.asCheckout = checkout;
        return this;
    }

    /**
     * Whether the host's xattrs are read (the default). A writer that cannot store them (FAT)
     * turns it off: listing them opens every file, half of the scan's time on a 50,000-file
     * tree.
     */
    public HostDirectoryReader readXattrs(boolean read) {
        this.readXattrs = read;
        return this;
    }

    /** Rules applied after reading (later rules win). */
    public HostDirectoryReader overrides(TreeOverrides rules) {
        this.overrides = rules;
        return this;
    }

    public FileTree read() throws IOException {
        if (!Files.isDirectory(root, NOFOLLOW)) {
            throw new java.nio.file.NotDirectoryException(root.toString());
        }
        Directory top = new Directory(metadata(root, HostStat.of(root)));
        // Listing and stat-ing a large tree is one system call after another: directories are
        // read on several threads so the kernel works on more than one core.
        ForkJoinPool pool = new ForkJoinPool(Math.max(2, Runtime.getRuntime().availableProcessors()));
        try {
            pool.invoke(new DirectoryTask(root, top));
        } catch (RuntimeException e) {
            // A task's exception may come back re-created around the original: find the cause.
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof IOException io) {
                    throw io;
                }
            }
            throw e;
        } finally {
            pool.shutdownNow();
        }
        FileTree tree = new FileTree(top);
        if (overrides != null) {
            overrides.applyTo(tree);
        }
        return tree;
    }

    /** Reads one directory's entries, and its subdirectories as tasks of their own. */
    private final class DirectoryTask extends RecursiveAction {
        private final Path dir;
        private final Directory into;

        DirectoryTask(Path dir, Directory into) {
            this.dir = dir;
            this.into = into;
        }

        @Override
        protected void compute() {
            List<DirectoryTask> subdirectories = new ArrayList<>();
            try {
                readChildren(dir, into, subdirectories);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            invokeAll(subdirectories);
        }
    }

    private void readChildren(Path dir, Directory into, List<DirectoryTask> subdirectories) throws IOException {
        for (String name : sortedNames(dir)) {
            Path p = dir.resolve(name);
            if (!UTF8_NAMES && (name.indexOf('?') >= 0 || name.indexOf('\uFFFD') >= 0)) {
                // The JVM decodes file names with the locale's charset: outside UTF-8, non-ASCII
                // names arrive mangled, and copying them would silently rename files.
                throw new IOException(p + ": file name may not have been decoded exactly; run with a UTF-8 locale (LC_ALL=C.UTF-8)");
            }
            HostStat a = statOf(p, name);
            FileType type = FileType.ofMode(a.mode());
            if (type == null) {
                throw new InvalidDataException(p + ": unknown file type in mode " + Integer.toOctalString(a.mode()));
            }
            if (type == FileType.DIRECTORY) {
                Directory d = new Directory(metadata(p, a));
                into.put(name, d);
                subdirectories.add(new DirectoryTask(p, d));
                continue;
            }
            boolean linked = a.nlink() > 1;
            String inode = linked ? a.dev() + ":" + a.ino() : null;
            Node known = linked ? byInode.get(inode) : null;
            if (known != null) {
                into.put(name, known);
                continue;
            }
            Node n = switch (type) {
                case REGULAR -> new RegularFile(metadata(p, a), new PathContent(p, a.size()));
                case SYMLINK -> new Symlink(metadata(p, a), Files.readSymbolicLink(p).toString());
                case CHAR_DEVICE, BLOCK_DEVICE -> new DeviceNode(type, metadata(p, a), a.rdevMajor(), a.rdevMinor());
                default -> new SpecialFile(type, metadata(p, a));
            };
            if (linked) {
                // Another thread may have met the same inode under another name meanwhile.
                Node first = byInode.putIfAbsent(inode, n);
                n = first != null ? first : n;
            }
            into.put(name, n);
        }
    }

    /**
     * The names in {@code dir} in the tree's order (String order): readdir's order varies.
     * java.io lists plain names with three system calls fewer per directory than a
     * DirectoryStream, which also makes a Path of each entry; it says nothing of why it failed,
     * so the stream is asked again for the reason.
     */
    private static String[] sortedNames(Path dir) throws IOException {
        String[] names = dir.toFile().list();
        if (names == null) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
                s.iterator().hasNext();
            }
            throw new IOException(dir + ": cannot list the directory");
        }
        Arrays.sort(names);
        for (int i = 1; i < names.length; i++) {
            if (names[i].equals(names[i - 1])) {
                // Two names that differ in bytes decode alike only when one is not valid UTF-8.
                throw notUtf8(dir, names[i]);
            }
        }
        return names;
    }

    /**
     * The attributes of an entry just listed. A name that is not valid UTF-8 comes back with
     * U+FFFD in place of its bad bytes, which name another file (none, usually): said so
     * rather than "no such file", or the file silently renamed.
     */
    private static HostStat statOf(Path p, String name) throws IOException {
        try {
            return HostStat.of(p);
        } catch (NoSuchFileException e) {
            if (name.indexOf('\uFFFD') >= 0) {
                throw notUtf8(p.getParent(), name);
            }
            throw e;
        }
    }

    private static InvalidDataException notUtf8(Path dir, String decodedName) {
        return new InvalidDataException(dir + ": a file name there is not valid UTF-8; rename it (found as \"" + decodedName + "\")");
    }

    private Metadata metadata(Path p, HostStat a) throws IOException {
        int mode = a.mode();
        int uid = keepOwners ? a.uid() : 0;
        int gid = keepOwners ? a.gid() : 0;
        Xattrs x = asCheckout || !readXattrs ? Xattrs.NONE : HostXattrs.read(p, FileType.ofMode(mode));
        int permissions = mode & 07777;
        if (asCheckout) {
            FileType type = FileType.ofMode(mode);
            if (type == FileType.DIRECTORY || type == FileType.REGULAR) {
                permissions = type == FileType.DIRECTORY || (mode & 0111) != 0 ? 0755 : 0644;
            }
        }
        return new Metadata(permissions, uid, gid, a.mtime(), a.atime(), a.ctime(), x);
    }
}
