package walt.vpn.server;

import walt.vpn.ssh.Printable;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/** The operator's commands' way into the daemon. */
public final class AdminClient implements AutoCloseable {

    private final JsonLineChannel channel;

    private AdminClient(JsonLineChannel channel) {
        this.channel = channel;
    }

    public static AdminClient connect(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            ch.close();
            throw new IOException("the WalT VPN server is not running (no " + socket + "): start it (systemctl start walt-vpn-server, or walt vpn-server run)");
        }
        return new AdminClient(new JsonLineChannel(ch));
    }

    /** Sends one operation and returns the answer; an error answer becomes an exception. */
    public JsonNode call(String op, String key, String value) throws IOException {
        ObjectNode msg = JsonLineChannel.json().createObjectNode();
        msg.put("op", op);
        if (key != null) {
            msg.put(key, value);
        }
        channel.write(msg);
        return expectOk(channel.read());
    }

    /** The next event of a monitor session, or null when the daemon went away. */
    public JsonNode next() throws IOException {
        return channel.read();
    }

    /**
     * Answers request {@code id}, as shown: its key fingerprint and MAC, for which a yes stands
     * should the request have gone meanwhile (displaced by newer ones, or the node reconnected).
     */
    public void decide(long id, boolean accept, String fingerprint, String mac) throws IOException {
        ObjectNode msg = JsonLineChannel.json().createObjectNode();
        msg.put("op", "decide");
        msg.put("id", id);
        msg.put("accept", accept);
        msg.put("fingerprint", fingerprint);
        msg.put("mac", mac);
        channel.write(msg);
    }

    private static JsonNode expectOk(JsonNode answer) throws IOException {
        if (answer == null) {
            throw new IOException("the WalT VPN server closed the connection");
        }
        if ("error".equals(answer.path("status").asText())) {
            throw new IllegalArgumentException(Printable.of(answer.path("reason").asText()));
        }
        return answer;
    }

    @Override
    public void close() {
        channel.close();
    }
}
