package walt.vpn.server;

import walt.vpn.ssh.SshPublicKey;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Where enrolment requests wait for the operator. No monitor connected: denied at once (the
 * node retries). Pending requests are capped and expire; when the last monitor leaves, the
 * requests it was shown are denied rather than left hanging.
 */
public final class EnrolmentDesk {

    /** What a connected {@code walt vpn monitor} is told. */
    public interface Monitor {
        void offered(EnrolmentRequest request);

        void closed(EnrolmentRequest request, Decision decision);
    }

    private record Pending(EnrolmentRequest request, CompletableFuture<Decision> decision) {
    }

    /** A request as filed: its id (0 when it was refused at once) and the decision to come. */
    public record Filed(long id, CompletableFuture<Decision> decision) {
    }

    private final EnrolmentLimits limits;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private final AuditLog audit;
    private final Map<Long, Pending> pending = new LinkedHashMap<>();
    private final List<Monitor> monitors = new CopyOnWriteArrayList<>();
    private long nextId = 1;

    public EnrolmentDesk(EnrolmentLimits limits, Clock clock, ScheduledExecutorService timer, AuditLog audit) {
        this.limits = limits;
        this.clock = clock;
        this.timer = timer;
        this.audit = audit;
    }

    /** Files a request; its future completes with the operator's decision, a denial or an expiry. */
    public Filed submit(MacAddress mac, SshPublicKey key, String source) {
        EnrolmentRequest request;
        CompletableFuture<Decision> decision = new CompletableFuture<>();
        synchronized (this) {
            String refusal = refusal(key, source);
            if (refusal != null) {
                audit.record("enrolment denied mac=" + mac + " key=" + key.fingerprint() + " from=" + source + ": " + refusal);
                return new Filed(0, CompletableFuture.completedFuture(Decision.deny(refusal)));
            }
            request = new EnrolmentRequest(nextId++, mac, key, source, clock.instant());
            pending.put(request.id(), new Pending(request, decision));
        }
        audit.record("enrolment request " + request.id() + " mac=" + mac + " key=" + key.fingerprint() + " from=" + source);
        timer.schedule(() -> close(request.id(), Decision.deny("request expired")), limits.expiry().toMillis(),
                TimeUnit.MILLISECONDS);
        for (Monitor m : monitors) {
            m.offered(request);
        }
        return new Filed(request.id(), decision);
    }

    private String refusal(SshPublicKey key, String source) {
        if (monitors.isEmpty()) {
            return "no operator is running walt vpn monitor";
        }
        if (pending.size() >= limits.global()) {
            return "too many pending requests";
        }
        long fromSource = pending.values().stream().filter(p -> p.request().source().equals(source)).count();
        if (fromSource >= limits.perSource()) {
            return "too many pending requests from " + source;
        }
        long sameKey = pending.values().stream().filter(p -> p.request().key().equals(key)).count();
        if (sameKey >= limits.perKey()) {
            return "a request with this key is already pending";
        }
        return null;
    }

    /** The operator's answer; false when the request is no longer pending. */
    public boolean decide(long id, boolean accept, String by) {
        return close(id, accept ? Decision.accept(by) : Decision.deny("denied by the operator"));
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
        EnrolmentRequest r = p.request();
        audit.record("enrolment request " + id + " mac=" + r.mac() + " key=" + r.key().fingerprint()
                + (decision.accepted() ? " accepted by " + decision.reason() : " denied: " + decision.reason()));
        p.decision().complete(decision);
        for (Monitor m : monitors) {
            m.closed(r, decision);
        }
        return true;
    }

    public synchronized List<EnrolmentRequest> pending() {
        return pending.values().stream().map(Pending::request).toList();
    }

    public void addMonitor(Monitor m) {
        monitors.add(m);
        for (EnrolmentRequest r : pending()) {
            m.offered(r);
        }
    }

    public void removeMonitor(Monitor m) {
        monitors.remove(m);
        if (monitors.isEmpty()) {
            for (EnrolmentRequest r : new ArrayList<>(pending())) {
                close(r.id(), Decision.deny("the operator's monitor stopped"));
            }
        }
    }
}
