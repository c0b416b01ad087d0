package walt.vpn.server;

import walt.vpn.ssh.SshPublicKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeRegistryTest {

    static final SshPublicKey KEY_A = SshPublicKey.parse("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl");
    static final SshPublicKey KEY_B = SshPublicKey.parse("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDW6c6rCTRrffrTtiOn+LaPmXcn9J7ogB6dtZHeLeyTB");
    static final MacAddress MAC_A = MacAddress.parse("b8:27:eb:00:00:01");
    static final MacAddress MAC_B = MacAddress.parse("b8:27:eb:00:00:02");

    @TempDir
    Path dir;

    @Test
    void nodesKeepTheirIdAcrossReEnrolmentAndOldSerialsAreRevoked() throws Exception {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        long s1;
        try (NodeRegistry r = NodeRegistry.open(dir)) {
            assertEquals(1, r.idFor(MAC_A));
            s1 = r.nextSerial();
            r.recordEnrolment(1, MAC_A, KEY_A, s1, t.plusSeconds(3600), t, "10.0.0.1");
            assertEquals(2, r.idFor(MAC_B));
            assertEquals(1, r.idFor(MAC_A));
            assertEquals(List.of(), r.revokedSerials());
        }
        // Reopened, as after a daemon restart: the sequence goes on, nothing is reused.
        try (NodeRegistry r = NodeRegistry.open(dir)) {
            long s2 = r.nextSerial();
            assertTrue(s2 > s1);
            NodeRecord again = r.recordEnrolment(r.idFor(MAC_A), MAC_A, KEY_B, s2, t.plusSeconds(7200), t, "10.0.0.9");
            assertEquals(1, again.id());
            assertEquals(KEY_B, again.key());
            assertEquals(List.of(s1), r.revokedSerials());
            assertEquals(1, r.nodes().size());
            assertTrue(r.revoke(1));
            assertFalse(r.revoke(1));
            assertEquals(List.of(s1, s2), r.revokedSerials());
            assertEquals(NodeState.REVOKED, r.byId(1).orElseThrow().state());
            assertNotEquals(s2, r.nextSerial());
        }
    }

    @Test
    void principalsFileListsActiveNodesOnlyEachOnItsTap() {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        NodeRecord a = new NodeRecord(1, MAC_A, KEY_A, 1, t, NodeState.ACTIVE, t, null, "10.0.0.1");
        NodeRecord b = new NodeRecord(2, MAC_B, KEY_B, 2, t, NodeState.REVOKED, t, null, "10.0.0.1");
        NodeRecord c = new NodeRecord(7, MacAddress.parse("b8:27:eb:00:00:07"), KEY_B, 3, t, NodeState.ACTIVE, t, null, "::1");
        String text = PrincipalsFile.render(List.of(a, b, c));
        assertEquals(List.of(
                "tunnel=\"1\",no-port-forwarding,no-agent-forwarding,no-X11-forwarding,no-pty,no-user-rc node-1",
                "tunnel=\"7\",no-port-forwarding,no-agent-forwarding,no-X11-forwarding,no-pty,no-user-rc node-7"),
                text.lines().filter(l -> !l.startsWith("#")).toList());
    }
}
