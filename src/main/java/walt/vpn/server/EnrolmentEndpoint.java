package walt.vpn.server;

import walt.vpn.ssh.SshPublicKey;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The daemon's side of the enrolment account's forced command, which relays one request line
 * and prints what {@link RelayReply} sends back:
 * <ul>
 * <li>{@code {"op":"enroll","mac":...,"key":...,"source":...}}: held until the operator
 *     decides, answered with a certificate or a denial;</li>
 * <li>{@code {"op":"status","key":...}}: the serial of the live certificate of the node with
 *     this key (exit 0), or exit 3 when it has none (revoked, expired, superseded). A node
 *     whose tunnel login fails asks this before throwing its certificate away: an exit status
 *     from the server's own session, which no proxy on the way can forge.</li>
 * </ul>
 * While a request waits, a line every few seconds tells the node's console, and finds out when
 * the node has hung up (sshd then closes the relay's pipes, the relay ends, the write fails):
 * its request is withdrawn. A waiting request holds no thread: the lines come from the shared
 * timer, the answer from the pool once the decision is made.
 */
final class EnrolmentEndpoint {

    private static final long WAITING_LINE_SECONDS = 5;
    private static final CompletableFuture<Void> SERVED = CompletableFuture.completedFuture(null);

    private final EnrolmentDesk desk;
    private final NodeAuthority authority;
    private final ScheduledExecutorService timer;
    private final Executor pool;

    EnrolmentEndpoint(EnrolmentDesk desk, NodeAuthority authority, ScheduledExecutorService timer, Executor pool) {
        this.desk = desk;
        this.authority = authority;
        this.timer = timer;
        this.pool = pool;
    }

    /** Serves one relay connection; the stage completes when it may be closed. */
    CompletableFuture<Void> serve(JsonLineChannel peer) throws IOException {
        RelayReply reply = new RelayReply(peer.channel());
        JsonNode msg;
        try {
            msg = peer.read();
        } catch (IOException e) {
            reply.fail(RelayReply.ERROR, "malformed request");
            return SERVED;
        }
        if (msg == null) {
            return SERVED;
        }
        try {
            switch (msg.path("op").asText()) {
                case "enroll" -> {
                    return enrol(reply, MacAddress.parse(msg.path("mac").asText()), SshPublicKey.parse(msg.path("key").asText()),
                            SourceAddress.check(msg.path("source").asText()));
                }
                case "status" -> status(reply, SshPublicKey.parse(msg.path("key").asText()));
                default -> reply.fail(RelayReply.ERROR, "usage: enroll MAC | status | time");
            }
        } catch (IllegalArgumentException e) {
            reply.fail(RelayReply.ERROR, e.getMessage());
        } catch (SQLException e) {
            reply.fail(RelayReply.ERROR, "registry: " + e.getMessage());
        }
        return SERVED;
    }

    private CompletableFuture<Void> enrol(RelayReply reply, MacAddress mac, SshPublicKey key, String source)
            throws IOException, SQLException {
        Optional<NodeRecord> active = authority.find(mac.value()).filter(n -> n.state() == NodeState.ACTIVE);
        if (active.isPresent() && active.get().key().equals(key) && active.get().validBefore().isAfter(Instant.now())) {
            // The operator said yes to this key for this MAC, nobody revoked it and it has not
            // expired: the node lost its certificate (or never received it: it rebooted, the
            // server restarted). A new one needs no second yes; an expired one does.
            issue(reply, mac, key, source);
            return SERVED;
        }
        EnrolmentDesk.Filed filed = desk.submit(mac, key, source, active.map(NodeRecord::principal).orElse(""));
        // From here on only short writes: a relay that stops reading is taken for gone rather
        // than allowed to hold the timer's thread.
        reply.neverBlock();
        long started = System.nanoTime();
        ScheduledFuture<?> waiting = timer.scheduleAtFixedRate(() -> {
            try {
                reply.err("waiting: for the operator (" + (System.nanoTime() - started) / 1_000_000_000L + " s)");
            } catch (IOException gone) {
                desk.withdraw(filed.id());
            }
        }, WAITING_LINE_SECONDS, WAITING_LINE_SECONDS, TimeUnit.SECONDS);
        return filed.decision().thenAcceptAsync(d -> {
            waiting.cancel(false);
            try {
                if (d.accepted()) {
                    issue(reply, mac, key, source);
                } else {
                    reply.fail(RelayReply.DENIED, d.reason());
                }
            } catch (IOException e) {
                // the node left: the decision stands in the audit log
            }
        }, pool);
    }

    private void issue(RelayReply reply, MacAddress mac, SshPublicKey key, String source) throws IOException {
        String cert;
        try {
            cert = authority.issue(mac, key, source);
        } catch (IllegalArgumentException e) {
            reply.fail(RelayReply.DENIED, e.getMessage());
            return;
        } catch (IOException | SQLException | RuntimeException e) {
            reply.fail(RelayReply.ERROR, "cannot sign: " + e.getMessage());
            return;
        }
        reply.out(cert);
        reply.exit(RelayReply.ACCEPTED);
    }

    private void status(RelayReply reply, SshPublicKey key) throws IOException, SQLException {
        Optional<NodeRecord> live = authority.liveCertificate(key);
        if (live.isEmpty()) {
            reply.fail(RelayReply.DENIED, "no valid certificate for this key (revoked, expired or replaced)");
            return;
        }
        reply.out(Long.toString(live.get().serial()));
        reply.exit(RelayReply.ACCEPTED);
    }
}
