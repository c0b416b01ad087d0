package walt.vpn.image;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.function.LongConsumer;

/** Reports the bytes written through it to a progress bar. */
final class ProgressOutputStream extends FilterOutputStream {

    private final LongConsumer written;

    ProgressOutputStream(OutputStream out, LongConsumer written) {
        super(out);
        this.written = written;
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        written.accept(1);
    }

    // FilterOutputStream's own would pass the array on byte by byte.
    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        written.accept(len);
    }
}
