package walt.vpn.tree;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Where the contents of an imported tar are read from: either one channel the
 * {@link TarImporter} keeps open (and closes) for all of them, so the tree reads the archive
 * it was built from even if the path is replaced meanwhile, or the path, opened on each read
 * when nothing owns the tree's lifetime.
 */
final class TarArchiveSource {

    private final Path path;
    private final FileChannel shared;

    TarArchiveSource(Path path, FileChannel sharedOrNull) {
        this.path = path;
        this.shared = sharedOrNull;
    }

    /** A channel on the archive; close it with {@link #release}. */
    FileChannel acquire() throws IOException {
        return shared != null ? shared : FileChannel.open(path, StandardOpenOption.READ);
    }

    /** Closes {@code ch} unless it is the shared channel, which the importer closes. */
    void release(FileChannel ch) throws IOException {
        if (ch != shared) {
            ch.close();
        }
    }

    boolean isShared() {
        return shared != null;
    }
}
