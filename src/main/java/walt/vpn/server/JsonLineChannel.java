package walt.vpn.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * One JSON object per line over a local socket: the daemon's API. Lines are bounded, so a
 * peer sending garbage or an endless line costs the daemon at most {@link #MAX_LINE} bytes.
 */
public final class JsonLineChannel implements AutoCloseable {

    static final int MAX_LINE = 64 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SocketChannel channel;
    // Not Channels.newInputStream/newOutputStream: they hold the channel's blocking lock
    // through a read, so a monitor's reader thread would block every write to it.
    private final ByteBuffer inbuf = ByteBuffer.allocate(8192).flip();

    public JsonLineChannel(SocketChannel channel) {
        this.channel = channel;
    }

    public static ObjectMapper json() {
        return JSON;
    }

    /** The next object, or null at end of stream. */
    public JsonNode read() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            if (!inbuf.hasRemaining()) {
                inbuf.clear();
                int n = channel.read(inbuf);
                inbuf.flip();
                if (n < 0) {
                    inbuf.limit(0);
                }
            }
            int b = inbuf.hasRemaining() ? inbuf.get() & 0xff : -1;
            if (b < 0) {
                if (line.size() == 0) {
                    return null;
                }
                throw new EOFException("connection closed mid-message");
            }
            if (b == '\n') {
                break;
            }
            if (line.size() >= MAX_LINE) {
                throw new IOException("message too long");
            }
            line.write(b);
        }
        JsonNode node;
        try {
            node = JSON.readTree(line.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IOException("malformed message");
        }
        if (node == null || !node.isObject()) {
            throw new IOException("malformed message");
        }
        return node;
    }

    public synchronized void write(JsonNode node) throws IOException {
        ByteBuffer b = ByteBuffer.wrap((JSON.writeValueAsString(node) + "\n").getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    public SocketChannel channel() {
        return channel;
    }

    @Override
    public void close() {
        close(channel);
    }

    /** Closes {@code channel} without a peer around it. */
    static void close(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // closing a local socket: nothing to report
        }
    }
}
