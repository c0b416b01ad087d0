package walt.vpn.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.io.IOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * What the desk tells one connected monitor, queued and written by a thread of its own: the
 * desk calls its monitors while it files a request, and a monitor that stops reading (a
 * stopped terminal, a broken client) must never hold enrolment up. One that falls
 * {@link #BACKLOG} events behind is dropped; its connection closes, as if it had left.
 */
final class MonitorFeed implements EnrolmentDesk.Monitor {

    static final int BACKLOG = 1024;
    private static final JsonNode END = NullNode.getInstance();

    private final JsonLineChannel peer;
    private final BlockingQueue<JsonNode> events = new ArrayBlockingQueue<>(BACKLOG);

    MonitorFeed(JsonLineChannel peer) {
        this.peer = peer;
        Thread writer = new Thread(this::drain, "walt-vpn-monitor-feed");
        writer.setDaemon(true);
        writer.start();
    }

    @Override
    public void offered(EnrolmentRequest request) {
        queue(RequestJson.offered(request));
    }

    @Override
    public void closed(EnrolmentRequest request, Decision decision) {
        queue(RequestJson.closed(request, decision));
    }

    /** Stops the writer: the monitor has left, what it has not read yet goes. */
    void stop() {
        events.clear();
        events.offer(END);
    }

    private void queue(JsonNode event) {
        if (!events.offer(event)) {
            peer.close();
        }
    }

    private void drain() {
        try {
            for (JsonNode e = events.take(); e != END; e = events.take()) {
                peer.write(e);
            }
        } catch (IOException | InterruptedException e) {
            peer.close();
        }
    }
}
