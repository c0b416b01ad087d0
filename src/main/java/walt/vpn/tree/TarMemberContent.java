package walt.vpn.tree;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;

/** A regular file stored contiguously inside a tar archive on the host. */
final class TarMemberContent implements Content {

    private final TarArchiveSource tar;
    private final long offset;
    private final long size;

    TarMemberContent(TarArchiveSource tar, long offset, long size) {
        this.tar = tar;
        this.offset = offset;
        this.size = size;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public SeekableByteChannel open() throws IOException {
        return new SliceChannel(tar.acquire(), offset, size, !tar.isShared());
    }
}
