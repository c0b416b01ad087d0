package walt.vpn.server;

import walt.vpn.ssh.SshPublicKey;
import java.time.Instant;

/**
 * One node asking to join, as the operator sees it. Every field was validated or made by us.
 * {@code bootstrapKey}: signed by the bootstrap key, which every SD card holds, so never a
 * node's own; {@code activeNode}: the registry's active node with this MAC ("" if none), whose
 * key accepting this request would replace.
 */
public record EnrolmentRequest(long id, MacAddress mac, SshPublicKey key, String source, Instant time,
        boolean bootstrapKey, String activeNode) {
}
