package walt.vpn.server;

import walt.vpn.ssh.SshPublicKey;
import java.time.Instant;

/** One node asking to join, as the operator sees it. Every field was validated or made by us. */
public record EnrolmentRequest(long id, MacAddress mac, SshPublicKey key, String source, Instant time) {
}
