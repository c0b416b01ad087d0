package walt.vpn.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.sql.SQLException;

/**
 * The operator's side of the API: list nodes, revoke one, or become a monitor (be shown each
 * request and answer it on the same connection).
 */
final class AdminEndpoint {

    private final EnrolmentDesk desk;
    private final NodeAuthority authority;

    AdminEndpoint(EnrolmentDesk desk, NodeAuthority authority) {
        this.desk = desk;
        this.authority = authority;
    }

    void serve(JsonLineChannel peer, String who) throws IOException {
        JsonNode msg = peer.read();
        if (msg == null) {
            return;
        }
        String op = msg.path("op").asText();
        try {
            switch (op) {
                case "nodes" -> peer.write(nodes());
                case "revoke" -> {
                    NodeRecord n = authority.revoke(msg.path("node").asText());
                    ObjectNode ok = status("ok");
                    ok.set("node", NodeJson.of(n));
                    peer.write(ok);
                }
                case "monitor" -> monitor(peer, who);
                default -> peer.write(error("unknown operation"));
            }
        } catch (IllegalArgumentException e) {
            peer.write(error(e.getMessage()));
        } catch (SQLException e) {
            peer.write(error("registry: " + e.getMessage()));
        }
    }

    private ObjectNode nodes() throws SQLException {
        ObjectNode out = status("ok");
        ArrayNode list = out.putArray("nodes");
        for (NodeRecord n : authority.nodes()) {
            list.add(NodeJson.of(n));
        }
        return out;
    }

    private void monitor(JsonLineChannel peer, String who) throws IOException {
        peer.write(status("monitoring"));
        MonitorFeed m = new MonitorFeed(peer);
        desk.addMonitor(m);
        try {
            JsonNode msg;
            while ((msg = peer.read()) != null) {
                if (!"decide".equals(msg.path("op").asText()) || !msg.path("id").canConvertToLong()) {
                    peer.write(error("expected {\"op\":\"decide\",\"id\":N,\"accept\":true|false,\"fingerprint\":\"SHA256:...\",\"mac\":\"...\"}"));
                    continue;
                }
                long id = msg.path("id").asLong();
                String fingerprint = msg.path("fingerprint").asText("");
                MacAddress mac;
                try {
                    mac = MacAddress.parse(msg.path("mac").asText(""));
                } catch (IllegalArgumentException e) {
                    mac = null;
                }
                boolean known = fingerprint.matches("SHA256:[A-Za-z0-9+/]{43}") && mac != null;
                switch (desk.decide(id, msg.path("accept").asBoolean(false), who, known ? fingerprint : null, known ? mac : null)) {
                    case DECIDED -> { }
                    case STANDING -> {
                        ObjectNode n = status("standing");
                        n.put("id", id);
                        n.put("reason", "request " + id + " had gone; the node's next request is accepted");
                        peer.write(n);
                    }
                    case UNKNOWN -> peer.write(error("request " + id + " is no longer pending"));
                }
            }
        } catch (IOException e) {
            // the monitor went away
        } finally {
            desk.removeMonitor(m);
            m.stop();
        }
    }

    static ObjectNode status(String s) {
        ObjectNode n = JsonLineChannel.json().createObjectNode();
        n.put("status", s);
        return n;
    }

    static ObjectNode error(String reason) {
        ObjectNode n = status("error");
        n.put("reason", reason);
        return n;
    }
}
