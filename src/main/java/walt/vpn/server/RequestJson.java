package walt.vpn.server;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Events a monitor receives. */
final class RequestJson {

    private RequestJson() {
    }

    static ObjectNode offered(EnrolmentRequest r) {
        ObjectNode o = base("request", r);
        o.put("mac", r.mac().value());
        o.put("fingerprint", r.key().fingerprint());
        o.put("key_type", r.key().type());
        o.put("source", r.source());
        o.put("time", r.time().toString());
        o.put("bootstrap_key", r.bootstrapKey());
        o.put("active_node", r.activeNode());
        return o;
    }

    static ObjectNode closed(EnrolmentRequest r, Decision d) {
        ObjectNode o = base("closed", r);
        o.put("fingerprint", r.key().fingerprint());
        o.put("mac", r.mac().value());
        o.put("source", r.source());
        o.put("bootstrap_key", r.bootstrapKey());
        o.put("accepted", d.accepted());
        o.put("reason", d.reason());
        return o;
    }

    private static ObjectNode base(String event, EnrolmentRequest r) {
        ObjectNode o = JsonLineChannel.json().createObjectNode();
        o.put("event", event);
        o.put("id", r.id());
        return o;
    }
}
