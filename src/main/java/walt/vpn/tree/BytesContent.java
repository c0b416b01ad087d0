package walt.vpn.tree;

import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import org.apache.commons.compress.utils.SeekableInMemoryByteChannel;

/** Small content held in memory: generated config files, test data. */
public final class BytesContent implements Content {

    private final byte[] bytes;

    public BytesContent(byte[] bytes) {
        this.bytes = bytes.clone();
    }

    public static BytesContent of(String utf8) {
        return new BytesContent(utf8.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public long size() {
        return bytes.length;
    }

    @Override
    public SeekableByteChannel open() {
        return new SeekableInMemoryByteChannel(bytes.clone());
    }

    @Override
    public byte[] readAll() {
        return bytes.clone();
    }
}
