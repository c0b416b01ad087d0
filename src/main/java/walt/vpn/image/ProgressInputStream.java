package walt.vpn.image;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.LongConsumer;

/** Reports the bytes read through it to a progress bar. */
public final class ProgressInputStream extends FilterInputStream {

    private final LongConsumer read;

    public ProgressInputStream(InputStream in, LongConsumer read) {
        super(in);
        this.read = read;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            read.accept(1);
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) {
            read.accept(n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long s = super.skip(n);
        read.accept(s);
        return s;
    }
}
