package walt.vpn.server;

import walt.vpn.ssh.SshPublicKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnrolmentDeskTest {

    @TempDir
    Path dir;

    java.util.concurrent.ScheduledThreadPoolExecutor timer;
    AuditLog audit;
    final List<String> shown = new ArrayList<>();
    final EnrolmentDesk.Monitor monitor = new EnrolmentDesk.Monitor() {
        @Override
        public void offered(EnrolmentRequest r) {
            shown.add("offered " + r.id() + " " + r.mac());
        }

        @Override
        public void closed(EnrolmentRequest r, Decision d) {
            shown.add("closed " + r.id() + " " + d.accepted() + " " + d.reason());
        }
    };

    @BeforeEach
    void setUp() throws Exception {
        timer = new java.util.concurrent.ScheduledThreadPoolExecutor(1);
        timer.setRemoveOnCancelPolicy(true);
        audit = new AuditLog(dir.resolve("audit.log"), Clock.systemUTC());
    }

    @AfterEach
    void tearDown() {
        timer.shutdownNow();
    }

    static SshPublicKey key(int i) {
        // 32 distinct bytes of ed25519 key material are enough for a distinct valid blob.
        byte[] blob = new byte[4 + 11 + 4 + 32];
        java.nio.ByteBuffer.wrap(blob).putInt(11).put("ssh-ed25519".getBytes()).putInt(32).putInt(i);
        return new SshPublicKey("ssh-ed25519", java.util.Base64.getEncoder().encodeToString(blob));
    }

    static MacAddress mac(int i) {
        return MacAddress.parse(String.format("b8:27:eb:00:%02x:%02x", i >> 8, i & 0xff));
    }

    @Test
    void withoutAMonitorEveryRequestIsDeniedAtOnce() throws Exception {
        EnrolmentDesk desk = new EnrolmentDesk(EnrolmentLimits.DEFAULT, Clock.systemUTC(), timer, audit, null);
        CompletableFuture<Decision> d = desk.submit(mac(1), key(1), "10.0.0.1", "").decision();
        assertTrue(d.isDone());
        assertFalse(d.get().accepted());
        assertTrue(d.get().reason().contains("monitor"), d.get().reason());
        assertEquals(List.of(), desk.pending());
    }

    @Test
    void aFiledRequestIsWithdrawnByItsId() throws Exception {
        EnrolmentDesk desk = new EnrolmentDesk(EnrolmentLimits.DEFAULT, Clock.systemUTC(), timer, audit, null);
        desk.addMonitor(monitor);
        EnrolmentDesk.Filed first = desk.submit(mac(1), key(1), "10.0.0.1", "");
        EnrolmentDesk.Filed second = desk.submit(mac(2), key(2), "10.0.0.2", "");
        assertEquals(List.of(first.id(), second.id()), desk.pending().stream().map(EnrolmentRequest::id).toList());
        desk.withdraw(second.id());
        assertEquals("request withdrawn", second.decision().get().reason());
        assertFalse(first.decision().isDone());
        assertEquals(List.of(first.id()), desk.pending().stream().map(EnrolmentRequest::id).toList());
    }

    @Test
    void theOperatorDecidesAndTheMonitorSeesIt() throws Exception {
        EnrolmentDesk desk = new EnrolmentDesk(EnrolmentLimits.DEFAULT, Clock.systemUTC(), timer, audit, null);
        desk.addMonitor(monitor);
        CompletableFuture<Decision> a = desk.submit(mac(1), key(1), "10.0.0.1", "").decision();
        CompletableFuture<Decision> b = desk.submit(mac(2), key(2), "10.0.0.1", "").decision();
        assertFalse(a.isDone());
        assertEquals(EnrolmentDesk.Outcome.DECIDED, desk.decide(1, true, "root", null, null));
        assertEquals(EnrolmentDesk.Outcome.UNKNOWN, desk.decide(1, false, "root", null, null), "decided twice");
        assertEquals(EnrolmentDesk.Outcome.DECIDED, desk.decide(2, false, "root", null, null));
        assertTrue(a.get().accepted());
        assertEquals("denied by the operator", b.get().reason());
        assertEquals(List.of("offered 1 b8:27:eb:00:00:01", "offered 2 b8:27:eb:00:00:02", "closed 1 true root",
                "closed 2 false denied by the operator"), shown);
        String log = java.nio.file.Files.readString(dir.resolve("audit.log"));
        assertTrue(log.contains("enrolment request 1 mac=b8:27:eb:00:00:01 key=" + key(1).fingerprint() + " accepted by root"), log);
    }

    @Test
    void aNewRequestDisplacesTheOldestFromItsSourceAndTheSameKeyReplacesItsOwn() throws Exception {
        EnrolmentDesk desk = new EnrolmentDesk(new EnrolmentLimits(5, 3, Duration.ofMinutes(1)), Clock.systemUTC(), timer, audit, null);
        desk.addMonitor(monitor);
        CompletableFuture<Decision> first = desk.submit(mac(1), key(1), "10.0.0.1", "").decision();
        CompletableFuture<Decision> again = desk.submit(mac(1), key(1), "10.0.0.2", "").decision();
        assertEquals("replaced by a newer request with the same key", first.get().reason());
        assertFalse(again.isDone());
        CompletableFuture<Decision> a2 = desk.submit(mac(2), key(2), "10.0.0.1", "").decision();
        desk.submit(mac(3), key(3), "10.0.0.1", "");
        desk.submit(mac(4), key(4), "10.0.0.1", "");
        assertFalse(a2.isDone(), "three from 10.0.0.1 is its share");
        CompletableFuture<Decision> newcomer = desk.submit(mac(5), key(5), "10.0.0.1", "").decision();
        assertEquals("displaced by newer requests from 10.0.0.1", a2.get().reason());
        assertFalse(newcomer.isDone(), "the newest from a source is always shown");
        assertEquals(List.of(mac(1), mac(3), mac(4), mac(5)), desk.pending().stream().map(EnrolmentRequest::mac).toList());
    }

    @Test
    void atTheOverallBoundTheSourceHoldingMostGivesWay() throws Exception {
        EnrolmentDesk desk = new EnrolmentDesk(new EnrolmentLimits(5, 3, Duration.ofMinutes(1)), Clock.systemUTC(), timer, audit, null);
        desk.addMonitor(monitor);
        desk.submit(mac(1), key(1), "10.0.0.9", "");
        CompletableFuture<Decision> flood = desk.submit(mac(2), key(2), "10.0.0.1", "").decision();
        desk.submit(mac(3), key(3), "10.0.0.1", "");
        desk.submit(mac(4), key(4), "10.0.0.1", "");
        desk.submit(mac(5), key(5), "10.0.0.2", "");
        CompletableFuture<Decision> other = desk.submit(mac(6), key(6), "10.0.0.3", "").decision();
        assertFalse(other.isDone());
        assertEquals("displaced by newer requests from 10.0.0.1", flood.get().reason());
        assertEquals(List.of(mac(1), mac(3), mac(4), mac(5), mac(6)), desk.pending().stream().map(EnrolmentRequest::mac).toList());
    }

    /**
     * An attacker with the bootstrap key behind the same proxy as a real node files requests
     * as fast as it likes: the real node's request, filed every few seconds, is shown each
     * time, and the operator's yes to it holds even once the flood has pushed it out.
     */
    @Test
    void aRealNodeGetsThroughAFloodFromItsOwnSource() throws Exception {
        EnrolmentDesk desk = new EnrolmentDesk(EnrolmentLimits.DEFAULT, Clock.systemUTC(), timer, audit, null);
        desk.addMonitor(monitor);
        int attacker = 100;
        for (int i = 0; i < 10; i++) {
            desk.submit(mac(attacker + i), key(attacker + i), "10.0.0.1", "");
        }
        EnrolmentDesk.Filed real = desk.submit(mac(1), key(1), "10.0.0.1", "");
        assertTrue(shown.contains("offered " + real.id() + " " + mac(1)), "the real node's request is shown: " + shown);
        for (int i = 10; i < 1000; i++) {
            desk.submit(mac(attacker + i), key(attacker + i), "10.0.0.1", "");
        }
        assertFalse(desk.pending().stream().anyMatch(r -> r.id() == real.id()), "the flood pushed it out");
        assertEquals(EnrolmentLimits.DEFAULT.perSource(), desk.pending().size(), "the flood holds its share only");
        assertEquals(EnrolmentDesk.Outcome.STANDING, desk.decide(real.id(), true, "root", key(1).fingerprint(), mac(1)));
        CompletableFuture<Decision> stolenMac = desk.submit(mac(1), key(9999), "10.0.0.1", "").decision();
        assertFalse(stolenMac.isDone(), "the yes is for the node's key, not for its MAC");
        CompletableFuture<Decision> otherMac = desk.submit(mac(2), key(1), "10.0.0.1", "").decision();
        assertFalse(otherMac.isDone(), "nor for its key with another MAC");
        EnrolmentDesk.Filed retried = desk.submit(mac(1), key(1), "10.0.0.1", "");
        CompletableFuture<Decision> retry = retried.decision();
        assertTrue(retry.get(1, TimeUnit.SECONDS).accepted(), "the node's next request is accepted at once");
        assertEquals("root", retry.get().reason());
        assertFalse(shown.contains("offered " + retried.id() + " " + mac(1)), "a request accepted at once is not offered for an answer");
        assertFalse(desk.submit(mac(1), key(1), "10.0.0.1", "").decision().isDone(), "and the approval is spent");
    }

    @Test
    void aYesToAGoneRequestGoesToTheNodesNewerOne() throws Exception {
        EnrolmentDesk desk = new EnrolmentDesk(new EnrolmentLimits(5, 2, Duration.ofMinutes(1)), Clock.systemUTC(), timer, audit, null);
        desk.addMonitor(monitor);
        EnrolmentDesk.Filed first = desk.submit(mac(1), key(1), "10.0.0.1", "");
        desk.submit(mac(2), key(2), "10.0.0.1", "");
        desk.submit(mac(3), key(3), "10.0.0.1", "");
        assertFalse(first.decision().get().accepted(), "displaced");
        CompletableFuture<Decision> again = desk.submit(mac(1), key(1), "10.0.0.1", "").decision();
        assertEquals(EnrolmentDesk.Outcome.DECIDED, desk.decide(first.id(), true, "root", key(1).fingerprint(), mac(1)));
        assertTrue(again.get(1, TimeUnit.SECONDS).accepted(), "the node's waiting request is the one accepted");
    }

    @Test
    void closedRequestsLeaveNoTimerBehind() throws Exception {
        EnrolmentDesk desk = new EnrolmentDesk(new EnrolmentLimits(8, 4, Duration.ofMinutes(10)), Clock.systemUTC(), timer, audit, null);
        desk.addMonitor(monitor);
        for (int i = 0; i < 1000; i++) {
            desk.submit(mac(i), key(i), "10.0.0.1", "");
        }
        assertEquals(4, desk.pending().size());
        assertEquals(4, timer.getQueue().size(), "a displaced request's expiry is gone with it");
    }

    @Test
    void anIpv6SourceSharesWithItsSlash64() throws Exception {
        EnrolmentDesk desk = new EnrolmentDesk(new EnrolmentLimits(32, 2, Duration.ofMinutes(1)), Clock.systemUTC(), timer, audit, null);
        desk.addMonitor(monitor);
        CompletableFuture<Decision> first = desk.submit(mac(1), key(1), "2001:db8:0:1::a", "").decision();
        desk.submit(mac(2), key(2), "2001:db8:0:1::b", "");
        desk.submit(mac(3), key(3), "2001:db8:0:1:ffff::c", "");
        assertEquals("displaced by newer requests from 2001:db8:0:1::a", first.get().reason());
        assertFalse(desk.submit(mac(4), key(4), "2001:db8:0:2::a", "").decision().isDone(), "another /64, another share");
        assertEquals("10.0.0.1", SourceAddress.share("::ffff:10.0.0.1"));
        assertEquals("2001:db8:0:1::/64", SourceAddress.share("2001:db8:0:1:ffff::c"));
    }

    @Test
    void aNoToAGoneRequestLeavesNothingBehind() throws Exception {
        EnrolmentDesk desk = new EnrolmentDesk(new EnrolmentLimits(5, 1, Duration.ofMinutes(1)), Clock.systemUTC(), timer, audit, null);
        desk.addMonitor(monitor);
        EnrolmentDesk.Filed a = desk.submit(mac(1), key(1), "10.0.0.1", "");
        desk.submit(mac(2), key(2), "10.0.0.1", "");
        assertEquals(EnrolmentDesk.Outcome.UNKNOWN, desk.decide(a.id(), false, "root", key(1).fingerprint(), mac(1)));
        assertFalse(desk.submit(mac(1), key(1), "10.0.0.1", "").decision().isDone());
        assertEquals(EnrolmentDesk.Outcome.UNKNOWN, desk.decide(a.id(), true, "root", null, null), "a yes bound to nothing");
    }

    @Test
    void theBootstrapKeyIsShownFlaggedAndDeniedAtOnce() throws Exception {
        SshPublicKey bootstrap = key(77);
        EnrolmentDesk desk = new EnrolmentDesk(EnrolmentLimits.DEFAULT, Clock.systemUTC(), timer, audit, bootstrap);
        List<EnrolmentRequest> offered = new ArrayList<>();
        List<EnrolmentRequest> closed = new ArrayList<>();
        desk.addMonitor(new EnrolmentDesk.Monitor() {
            @Override
            public void offered(EnrolmentRequest r) {
                offered.add(r);
            }

            @Override
            public void closed(EnrolmentRequest r, Decision d) {
                closed.add(r);
            }
        });
        EnrolmentDesk.Filed f = desk.submit(mac(1), bootstrap, "10.0.0.1", "node-3");
        assertFalse(f.decision().get(1, TimeUnit.SECONDS).accepted());
        assertTrue(f.decision().get().reason().contains("bootstrap key"), f.decision().get().reason());
        assertEquals(List.of(), offered, "nothing to answer");
        assertEquals(1, closed.size());
        assertTrue(closed.get(0).bootstrapKey());
        assertEquals("node-3", closed.get(0).activeNode());
        assertEquals(EnrolmentDesk.Outcome.STANDING, desk.decide(f.id(), true, "root", bootstrap.fingerprint(), mac(1)));
        assertTrue(desk.submit(mac(1), bootstrap, "10.0.0.1", "").decision().get().reason().contains("bootstrap key"),
                "not even an operator's yes lets the bootstrap key in");
        assertEquals(List.of(), desk.pending());
        assertFalse(desk.submit(mac(2), key(2), "10.0.0.1", "").decision().isDone());
        assertFalse(desk.pending().get(0).bootstrapKey());
        assertEquals(1, offered.size());
    }

    @Test
    void requestsExpireAndAreDeniedWhenTheLastMonitorLeaves() throws Exception {
        EnrolmentDesk desk = new EnrolmentDesk(new EnrolmentLimits(5, 5, Duration.ofMillis(300)), Clock.systemUTC(), timer, audit, null);
        desk.addMonitor(monitor);
        CompletableFuture<Decision> a = desk.submit(mac(1), key(1), "10.0.0.1", "").decision();
        assertEquals("request expired", a.get(10, TimeUnit.SECONDS).reason());
        EnrolmentDesk patient = new EnrolmentDesk(EnrolmentLimits.DEFAULT, Clock.systemUTC(), timer, audit, null);
        patient.addMonitor(monitor);
        CompletableFuture<Decision> b = patient.submit(mac(2), key(2), "10.0.0.1", "").decision();
        patient.removeMonitor(monitor);
        assertTrue(b.get(1, TimeUnit.SECONDS).reason().contains("monitor stopped"));
        assertEquals(List.of(), patient.pending());
    }
}
