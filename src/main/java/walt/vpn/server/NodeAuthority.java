package walt.vpn.server;

import walt.vpn.ssh.SshPublicKey;
import walt.vpn.ssh.Printable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import walt.vpn.disk.AtomicOutput;

/**
 * Turns decisions into what sshd enforces: signs certificates, keeps the principals file and
 * the KRL in step with the registry (each replaced atomically), owns the taps, and ends a
 * revoked node's live session.
 */
public final class NodeAuthority {

    private static final Duration BACKDATE = Duration.ofMinutes(5);

    private final ServerPaths paths;
    private final NodeRegistry registry;
    private final SshKeygen keygen;
    private final TapDevices taps;
    private final AuditLog audit;
    private final Clock clock;
    private final Duration validity;

    public NodeAuthority(ServerPaths paths, NodeRegistry registry, SshKeygen keygen, TapDevices taps, AuditLog audit,
            Clock clock, Duration validity) {
        this.paths = paths;
        this.registry = registry;
        this.keygen = keygen;
        this.taps = taps;
        this.audit = audit;
        this.clock = clock;
        this.validity = validity;
    }

    /** A certificate for an accepted request. */
    public synchronized String issue(MacAddress mac, SshPublicKey key, String source) throws IOException, SQLException {
        for (NodeRecord n : registry.nodes()) {
            if (n.state() == NodeState.ACTIVE && n.key().equals(key) && !n.mac().equals(mac)) {
                throw new IllegalArgumentException("this key is already enrolled as " + n.principal());
            }
        }
        int id = registry.idFor(mac);
        long serial = registry.nextSerial();
        Instant now = clock.instant();
        Instant until = now.plus(validity);
        String principal = "node-" + id;
        String cert = keygen.sign(paths.caKey(), key, "walt-vpn:" + principal + ":" + mac,
                List.of(principal, ServerAccounts.NODE_ROLE), serial, now.minus(BACKDATE), until);
        NodeRecord node = registry.recordEnrolment(id, mac, key, serial, until, now, source);
        taps.ensureTap(node.tap());
        publish();
        // The node's earlier certificate is in the KRL now, but a session it opened before
        // keeps the tap, and the new certificate's tunnel would find the tap busy.
        cutSessions(node.tap());
        audit.record("certificate serial=" + serial + " issued to " + principal + " mac=" + mac + " key="
                + key.fingerprint() + " valid until " + until);
        return cert;
    }

    /** Revokes by id ({@code 3}, {@code node-3}) or MAC; takes effect at once, live session included. */
    public synchronized NodeRecord revoke(String which) throws IOException, SQLException {
        NodeRecord node = find(which).orElseThrow(() -> new IllegalArgumentException("no such node: " + Printable.of(which)));
        if (!registry.revoke(node.id())) {
            throw new IllegalArgumentException(node.principal() + " is already revoked");
        }
        publish();
        cutSessions(node.tap());
        taps.remove(node.tap());
        audit.record("revoked " + node.principal() + " mac=" + node.mac() + " serial=" + node.serial());
        return registry.byId(node.id()).orElseThrow();
    }

    private void cutSessions(String tap) {
        for (long pid : taps.holders(tap)) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
        }
    }

    /** The active node whose current certificate is for this key and has not expired. */
    public Optional<NodeRecord> liveCertificate(SshPublicKey key) throws SQLException {
        Instant now = clock.instant();
        return registry.nodes().stream()
                .filter(n -> n.state() == NodeState.ACTIVE && n.key().equals(key) && n.validBefore().isAfter(now))
                .findFirst();
    }

    public Optional<NodeRecord> find(String which) throws SQLException {
        String s = which.strip();
        if (s.matches("(node-)?[0-9]{1,9}")) {
            return registry.byId(Integer.parseInt(s.replace("node-", "")));
        }
        try {
            return registry.byMac(MacAddress.parse(s));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Brings sshd's files and the taps in line with the registry (at start-up and after each change). */
    public synchronized void publish() throws IOException, SQLException {
        List<NodeRecord> nodes = registry.nodes();
        try (AtomicOutput out = new AtomicOutput(paths.principals())) {
            Files.writeString(out.tempPath(), PrincipalsFile.render(nodes), StandardCharsets.US_ASCII);
            Files.setPosixFilePermissions(out.tempPath(), PosixFilePermissions.fromString("rw-r--r--"));
            out.commit();
        }
        keygen.writeKrl(paths.caPub(), registry.revokedSerials(), paths.krl());
    }

    /** Creates the taps of active nodes (after a reboot the kernel has forgotten them). */
    public synchronized void restoreTaps() throws IOException, SQLException {
        taps.ensureBridge();
        taps.ensureTunAccess();
        for (NodeRecord n : registry.nodes()) {
            if (n.state() == NodeState.ACTIVE) {
                taps.ensureTap(n.tap());
            }
        }
    }

    /** Notes which nodes have their tunnel up now. */
    public void markSeen() throws SQLException {
        Instant now = clock.instant();
        for (NodeRecord n : registry.nodes()) {
            if (n.state() == NodeState.ACTIVE && taps.attached(n.tap())) {
                registry.seen(n.id(), now);
            }
        }
    }

    public List<NodeRecord> nodes() throws SQLException {
        return registry.nodes();
    }
}
