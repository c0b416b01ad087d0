package walt.vpn.tree;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A file of the host, read when a writer needs it. */
public final class PathContent implements Content {

    private final Path path;
    private final long size;

    public PathContent(Path path, long size) {
        this.path = path;
        this.size = size;
    }

    public Path path() {
        return path;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public SeekableByteChannel open() throws IOException {
        return new SliceChannel(FileChannel.open(path, StandardOpenOption.READ), 0, size);
    }
}
