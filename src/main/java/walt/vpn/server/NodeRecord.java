package walt.vpn.server;

import walt.vpn.ssh.SshPublicKey;
import java.time.Instant;

/**
 * A node as the registry knows it. Its id names its tap ({@code tap<id>}) and its
 * certificate principal ({@code node-<id>}); its MAC is its identity across re-flashes.
 */
public record NodeRecord(int id, MacAddress mac, SshPublicKey key, long serial, Instant validBefore,
        NodeState state, Instant enrolledAt, Instant lastSeen, String source) {

    public String principal() {
        return "node-" + id;
    }

    public String tap() {
        return "tap" + id;
    }
}
