package walt.vpn.server;

import walt.vpn.ssh.SshPublicKey;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The daemon's side of one enrolment: a request from the forced command, held until the
 * operator decides, answered with a certificate or a denial. The node hanging up withdraws
 * the request.
 */
final class EnrolmentEndpoint {

    private final EnrolmentDesk desk;
    private final NodeAuthority authority;
    private final Executor executor;

    EnrolmentEndpoint(EnrolmentDesk desk, NodeAuthority authority, Executor executor) {
        this.desk = desk;
        this.authority = authority;
        this.executor = executor;
    }

    void serve(JsonLineChannel peer) throws IOException {
        JsonNode msg = peer.read();
        if (msg == null) {
            return;
        }
        MacAddress mac;
        SshPublicKey key;
        String source;
        try {
            mac = MacAddress.parse(msg.path("mac").asText());
            key = SshPublicKey.parse(msg.path("key").asText());
            source = SourceAddress.check(msg.path("source").asText());
        } catch (IllegalArgumentException e) {
            peer.write(answer("error", e.getMessage()));
            return;
        }
        EnrolmentDesk.Filed filed = desk.submit(mac, key, source);
        CompletableFuture<Decision> decision = filed.decision();
        CompletableFuture<Void> answered = decision.thenAcceptAsync(d -> reply(peer, d, mac, key, source), executor);
        // Blocks until the node hangs up or the reply closes the connection.
        try {
            while (peer.read() != null) {
                // A node has nothing more to say; extra lines are ignored.
            }
        } catch (IOException closed) {
            // the reply closed it, or the peer broke off
        }
        if (!decision.isDone()) {
            desk.withdraw(filed.id());
        }
        answered.join();
    }

    private void reply(JsonLineChannel peer, Decision d, MacAddress mac, SshPublicKey key, String source) {
        try {
            if (d.accepted()) {
                String cert;
                try {
                    cert = authority.issue(mac, key, source);
                } catch (IllegalArgumentException e) {
                    peer.write(answer("denied", e.getMessage()));
                    return;
                } catch (Exception e) {
                    peer.write(answer("error", "cannot sign: " + e.getMessage()));
                    return;
                }
                ObjectNode ok = answer("accepted", null);
                ok.put("certificate", cert);
                peer.write(ok);
            } else {
                peer.write(answer("denied", d.reason()));
            }
        } catch (IOException e) {
            // the node left: the decision stands in the audit log
        } finally {
            peer.close();
        }
    }

    private static ObjectNode answer(String status, String reason) {
        ObjectNode n = JsonLineChannel.json().createObjectNode();
        n.put("status", status);
        if (reason != null) {
            n.put("reason", reason);
        }
        return n;
    }
}
