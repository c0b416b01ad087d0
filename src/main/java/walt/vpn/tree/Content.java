package walt.vpn.tree;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.util.List;

/**
 * The bytes of a regular file, wherever they live (a host file, a tar member, extents of an
 * image). Content is opened lazily so that a tree of any size costs memory for its metadata
 * only.
 */
public interface Content {

    long size();

    /** A channel positioned at 0 over exactly {@link #size()} bytes; holes read as zeros. */
    SeekableByteChannel open() throws IOException;

    /**
     * Where the data is, ascending and disjoint; the default says "everywhere". Writers still
     * skip all-zero blocks, so this is a hint that saves reading known holes.
     */
    default List<DataRange> dataRanges() throws IOException {
        return size() == 0 ? List.of() : List.of(new DataRange(0, size()));
    }

    default InputStream openStream() throws IOException {
        return Channels.newInputStream(open());
    }

    default byte[] readAll() throws IOException {
        if (size() > Integer.MAX_VALUE - 16) {
            throw new IOException("file too large to read into memory: " + size() + " bytes");
        }
        try (InputStream in = openStream()) {
            return in.readAllBytes();
        }
    }
}
