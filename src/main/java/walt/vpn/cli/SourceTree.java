package walt.vpn.cli;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.HostDirectoryReader;
import walt.vpn.tree.TarImporter;

/** The input of mkfs: a host directory or a tar archive, kept open while its content is read. */
final class SourceTree implements Closeable {

    private final FileTree tree;
    private final Closeable resource;

    private SourceTree(FileTree tree, Closeable resource) {
        this.tree = tree;
        this.resource = resource;
    }

    /** Whose files the source's entries become. */
    enum Owners {
        /** The source's own owners, as mke2fs -d and tar keep them. */
        keep,
        /** Root's, for a checkout or a copy made without root, which has lost the real owners. */
        root
    }

    /**
     * Reads {@code from}; a directory's xattrs only if {@code xattrs} (a writer that cannot
     * store them saves opening every file). A tar's come with its headers, read either way.
     */
    static SourceTree load(Path from, Path overrides, Owners owners, boolean xattrs) throws IOException {
        if (Files.isDirectory(from)) {
            if (xattrs && !HostDirectoryReader.readsAllXattrs()) {
                System.err.println(CommandTree.rootName() + ": warning: this JVM lets walt read user.* extended attributes only: file capabilities,"
                        + " SELinux labels and ACLs are left out (run it with ./walt or java -jar, whose manifest opens the JDK's calls)");
            }
            return new SourceTree(HostDirectoryReader.read(from, overrides, owners == Owners.keep, xattrs), null);
        }
        if (!Files.exists(from)) {
            throw new NoSuchFileException(from.toString());
        }
        if (overrides != null) {
            throw new IllegalArgumentException("--overrides applies to a directory source; a tar carries its own owners and modes");
        }
        TarImporter tar = TarImporter.open(from, w -> System.err.println(CommandTree.rootName() + ": warning: " + EntryName.printable(w)));
        return new SourceTree(owners == Owners.root ? tar.tree().rootOwned() : tar.tree(), tar);
    }

    FileTree tree() {
        return tree;
    }

    @Override
    public void close() throws IOException {
        if (resource != null) {
            resource.close();
        }
    }
}
