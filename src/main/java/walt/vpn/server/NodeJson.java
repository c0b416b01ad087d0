package walt.vpn.server;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** A node as the API and {@code walt vpn nodes --json} show it. */
final class NodeJson {

    private NodeJson() {
    }

    static ObjectNode of(NodeRecord n) {
        ObjectNode o = JsonLineChannel.json().createObjectNode();
        o.put("id", n.id());
        o.put("name", n.principal());
        o.put("mac", n.mac().value());
        o.put("fingerprint", n.key().fingerprint());
        o.put("serial", n.serial());
        o.put("expires", n.validBefore().toString());
        o.put("state", n.state().label());
        o.put("enrolled", n.enrolledAt().toString());
        if (n.lastSeen() != null) {
            o.put("last_seen", n.lastSeen().toString());
        } else {
            o.putNull("last_seen");
        }
        o.put("source", n.source());
        return o;
    }
}
