package walt.vpn.server;

import walt.vpn.ssh.SshPublicKey;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Where enrolment requests wait for the operator. No monitor connected: denied at once (the
 * node retries). Anyone can file requests (the bootstrap key is public), and every node behind
 * one proxy shares that proxy's address, so no cap may ever refuse a newcomer: a request over
 * a bound displaces an older one instead, which the node will file again within seconds.
 * <ul>
 * <li>one request per key: a newer one replaces it (the node reconnected);</li>
 * <li>a fair share per source: the newest request from a source displaces that source's oldest;</li>
 * <li>a bound overall: the newest displaces the oldest request of the source holding the most;</li>
 * <li>an operator's yes to a request that has meanwhile gone (displaced, expired, withdrawn)
 *     stands, for its key fingerprint and MAC, until the expiry: the node asking again is
 *     accepted at once. So an attacker churning requests can push the operator's view around
 *     but never keep out a node the operator has said yes to. The monitor sends what it was
 *     shown, so the desk remembers nothing of gone requests, which anyone could fill.</li>
 * </ul>
 * Requests signed by the bootstrap key are denied at once, and shown to the operator as such.
 */
public final class EnrolmentDesk {

    /** What a connected {@code walt vpn monitor} is told. */
    public interface Monitor {
        void offered(EnrolmentRequest request);

        void closed(EnrolmentRequest request, Decision decision);
    }

    /** What an operator's answer did. */
    public enum Outcome {
        /** The request was pending and is now closed. */
        DECIDED,
        /** The request had gone; the yes stands for its key and MAC until the expiry. */
        STANDING,
        /** No such request pending, and nothing to stand (a no, or no key and MAC to bind a yes to). */
        UNKNOWN
    }

    /** A request waiting, with its expiry (null when it never waited), cancelled when it closes. */
    private record Pending(EnrolmentRequest request, CompletableFuture<Decision> decision, Future<?> expiry) {
    }

    private record Approval(MacAddress mac, String by, Instant until) {
    }

    /** A request as filed: its id and the decision to come. */
    public record Filed(long id, CompletableFuture<Decision> decision) {
    }

    private final EnrolmentLimits limits;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private final AuditLog audit;
    private final SshPublicKey bootstrap;
    private final Map<Long, Pending> pending = new LinkedHashMap<>();
    /** Standing yeses by key fingerprint; only the operator adds to it. */
    private final Map<String, Approval> approvals = new HashMap<>();
    private final List<Monitor> monitors = new CopyOnWriteArrayList<>();
    private long nextId = 1;

    /** {@code bootstrap}: the VPN's bootstrap public key (null: none to flag). */
    public EnrolmentDesk(EnrolmentLimits limits, Clock clock, ScheduledExecutorService timer, AuditLog audit,
            SshPublicKey bootstrap) {
        this.limits = limits;
        this.clock = clock;
        this.timer = timer;
        this.audit = audit;
        this.bootstrap = bootstrap;
    }

    /**
     * Files a request; its future completes with the operator's decision, a denial or an
     * expiry. {@code activeNode}: the active node this MAC belongs to, "" if none.
     */
    public Filed submit(MacAddress mac, SshPublicKey key, String source, String activeNode) {
        CompletableFuture<Decision> decision = new CompletableFuture<>();
        EnrolmentRequest request;
        List<Pending> displaced = new ArrayList<>();
        Decision atOnce = null;
        synchronized (this) {
            if (monitors.isEmpty()) {
                audit.record("enrolment denied mac=" + mac + " key=" + key.fingerprint() + " from=" + source
                        + ": no monitor");
                return new Filed(0, CompletableFuture.completedFuture(Decision.deny("no operator is running walt vpn monitor")));
            }
            boolean isBootstrap = key.equals(bootstrap);
            request = new EnrolmentRequest(nextId++, mac, key, source, clock.instant(), isBootstrap, activeNode);
            Approval standing = approvals.get(key.fingerprint());
            if (isBootstrap) {
                atOnce = Decision.deny("the bootstrap key is on every SD card: it is never a node's key");
            } else if (standing != null && standing.until().isAfter(clock.instant()) && standing.mac().equals(mac)) {
                approvals.remove(key.fingerprint());
                atOnce = Decision.accept(standing.by());
            } else {
                displaced.addAll(makeRoom(key, source));
                long id = request.id();
                Future<?> expiry = timer.schedule(() -> close(id, Decision.deny("request expired")), limits.expiry().toMillis(),
                        TimeUnit.MILLISECONDS);
                pending.put(id, new Pending(request, decision, expiry));
            }
        }
        audit.record("enrolment request " + request.id() + " mac=" + mac + " key=" + request.key().fingerprint() + " from="
                + source + (request.bootstrapKey() ? " (bootstrap key)" : "")
                + (activeNode.isEmpty() ? "" : " (MAC of active " + activeNode + ")"));
        if (atOnce != null) {
            // Shown as closed only: a monitor answering an offer already closed would leave a
            // second standing yes behind.
            closed(new Pending(request, decision, null), atOnce);
            return new Filed(request.id(), decision);
        }
        for (Monitor m : monitors) {
            m.offered(request);
        }
        for (Pending p : displaced) {
            p.expiry().cancel(false);
            closed(p, Decision.deny(p.request().key().equals(key)
                    ? "replaced by a newer request with the same key"
                    : "displaced by newer requests from " + p.request().source()));
        }
        return new Filed(request.id(), decision);
    }

    /** Takes out of {@link #pending} what the new request displaces; the caller closes them. */
    private List<Pending> makeRoom(SshPublicKey key, String source) {
        List<Pending> out = new ArrayList<>();
        pending.values().stream().filter(p -> p.request().key().equals(key)).findFirst().ifPresent(out::add);
        out.forEach(p -> pending.remove(p.request().id()));
        String share = SourceAddress.share(source);
        List<Pending> fromSource = pending.values().stream().filter(p -> SourceAddress.share(p.request().source()).equals(share))
                .toList();
        if (fromSource.size() >= limits.perSource()) {
            Pending oldest = fromSource.get(0);
            pending.remove(oldest.request().id());
            out.add(oldest);
        } else if (pending.size() >= limits.global()) {
            Map<String, List<Pending>> bySource = new LinkedHashMap<>();
            for (Pending p : pending.values()) {
                bySource.computeIfAbsent(SourceAddress.share(p.request().source()), s -> new ArrayList<>()).add(p);
            }
            // The largest share gives way; among equals, the one whose oldest request is oldest.
            Pending oldest = bySource.values().stream()
                    .max(Comparator.<List<Pending>>comparingInt(List::size)
                            .thenComparing(l -> -l.get(0).request().id()))
                    .orElseThrow().get(0);
            pending.remove(oldest.request().id());
            out.add(oldest);
        }
        return out;
    }

    /**
     * The operator's answer to request {@code id}, shown with this key fingerprint and MAC: a
     * yes to a request no longer pending stands for them until the expiry.
     */
    public Outcome decide(long id, boolean accept, String by, String fingerprint, MacAddress mac) {
        if (close(id, accept ? Decision.accept(by) : Decision.deny("denied by the operator"))) {
            return Outcome.DECIDED;
        }
        if (!accept || fingerprint == null || mac == null) {
            return Outcome.UNKNOWN;
        }
        // The node has asked again meanwhile (it was displaced, or reconnected): its newer request is the one.
        Long again;
        synchronized (this) {
            again = pending.values().stream()
                    .filter(p -> p.request().key().fingerprint().equals(fingerprint) && p.request().mac().equals(mac))
                    .map(p -> p.request().id()).findFirst().orElse(null);
        }
        if (again != null && close(again, Decision.accept(by))) {
            return Outcome.DECIDED;
        }
        synchronized (this) {
            approvals.values().removeIf(a -> !a.until().isAfter(clock.instant()));
            approvals.put(fingerprint, new Approval(mac, by, clock.instant().plus(limits.expiry())));
        }
        audit.record("enrolment request " + id + " mac=" + mac + " key=" + fingerprint + " accepted by " + by
                + " after it had gone: the next request with this key and MAC is accepted");
        return Outcome.STANDING;
    }

    /** The node went away before an answer. */
    public void withdraw(long id) {
        close(id, Decision.deny("request withdrawn"));
    }

    private boolean close(long id, Decision decision) {
        Pending p;
        synchronized (this) {
            p = pending.remove(id);
        }
        if (p == null) {
            return false;
        }
        if (p.expiry() != null) {
            p.expiry().cancel(false);
        }
        closed(p, decision);
        return true;
    }

    /** Completes a request taken out of {@link #pending}. */
    private void closed(Pending p, Decision decision) {
        EnrolmentRequest r = p.request();
        audit.record("enrolment request " + r.id() + " mac=" + r.mac() + " key=" + r.key().fingerprint()
                + (decision.accepted() ? " accepted by " + decision.reason() : " denied: " + decision.reason()));
        p.decision().complete(decision);
        for (Monitor m : monitors) {
            m.closed(r, decision);
        }
    }

    public synchronized List<EnrolmentRequest> pending() {
        return pending.values().stream().map(Pending::request).toList();
    }

    public void addMonitor(Monitor m) {
        List<EnrolmentRequest> shown;
        synchronized (this) {
            monitors.add(m);
            shown = pending();
        }
        for (EnrolmentRequest r : shown) {
            m.offered(r);
        }
    }

    /**
     * When the last monitor leaves, what it was shown is denied and its standing yeses go:
     * nobody is left to answer, and the next operator decides afresh. Under the lock with
     * {@link #submit}, so that no request slips in pending with nobody to see it.
     */
    public void removeMonitor(Monitor m) {
        List<EnrolmentRequest> orphans = List.of();
        synchronized (this) {
            monitors.remove(m);
            if (monitors.isEmpty()) {
                orphans = pending();
                approvals.clear();
            }
        }
        for (EnrolmentRequest r : orphans) {
            close(r.id(), Decision.deny("the operator's monitor stopped"));
        }
    }
}
