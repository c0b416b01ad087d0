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

    static SourceTree load(Path from, Path overrides) throws IOException {
        if (Files.isDirectory(from)) {
            return new SourceTree(HostDirectoryReader.read(from, overrides, false), null);
        }
        if (!Files.exists(from)) {
            throw new NoSuchFileException(from.toString());
        }
        if (overrides != null) {
            throw new IllegalArgumentException("--overrides applies to a directory source; a tar carries its own owners and modes");
        }
        TarImporter tar = TarImporter.open(from, w -> System.err.println("walt: warning: " + EntryName.printable(w)));
        return new SourceTree(tar.tree(), tar);
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
