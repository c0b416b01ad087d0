package walt.vpn.server;

import walt.vpn.ssh.Printable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * The daemon's answer to a relayed request, one line each: {@code out TEXT} for stdout, {@code
 * err TEXT} for stderr, and last {@code exit N}, the status. For {@code enroll} netcat relays
 * the lines to the node as they are, and the node decodes them; for {@code status} the forced
 * command prints them as its own stdout, stderr and exit status ({@link EnrolmentScripts}).
 * Either way no JVM runs per connection, and the daemon says exactly what to print, in
 * printable ASCII that needs no escaping.
 */
final class RelayReply {

    static final int ACCEPTED = 0;
    static final int DENIED = 3;
    static final int ERROR = 4;

    private final SocketChannel channel;

    RelayReply(SocketChannel channel) {
        this.channel = channel;
    }

    /** One line of the answer proper (a certificate, a serial): made by us, printable ASCII. */
    void out(String text) throws IOException {
        if (!text.matches("[\\x20-\\x7e]*")) {
            throw new IllegalArgumentException("not a printable line");
        }
        line("out " + text);
    }

    /** A message for the node's console; what came from outside is made printable and short. */
    void err(String text) throws IOException {
        line("err " + Printable.of(text).replaceAll("[^\\x20-\\x7e]", "?"));
    }

    void exit(int status) throws IOException {
        line("exit " + status);
    }

    /** A reason on stderr ({@code denied: ...} or {@code error: ...}) and the matching status. */
    void fail(int status, String reason) throws IOException {
        err((status == DENIED ? "denied: " : "error: ") + reason);
        exit(status);
    }

    /**
     * From now on a write that finds the socket's buffer full fails instead of waiting: the
     * lines are short and a live relay reads them at once, so a full buffer means a relay that
     * no longer reads, which must not hold a shared thread.
     */
    synchronized void neverBlock() throws IOException {
        channel.configureBlocking(false);
    }

    private synchronized void line(String text) throws IOException {
        ByteBuffer b = ByteBuffer.wrap((text + "\n").getBytes(StandardCharsets.US_ASCII));
        while (b.hasRemaining()) {
            if (channel.write(b) == 0 && !channel.isBlocking()) {
                throw new IOException("the relay does not read");
            }
        }
    }
}
