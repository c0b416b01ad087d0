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

    ScheduledExecutorService timer;
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
        timer = Executors.newSingleThreadScheduledExecutor();
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
        EnrolmentDesk desk = new EnrolmentDesk(EnrolmentLimits.DEFAULT, Clock.systemUTC(), timer, audit);
        CompletableFuture<Decision> d = desk.submit(mac(1), key(1), "10.0.0.1").decision();
        assertTrue(d.isDone());
        assertFalse(d.get().accepted());
        assertTrue(d.get().reason().contains("monitor"), d.get().reason());
        assertEquals(List.of(), desk.pending());
    }

    @Test
    void aFiledRequestIsWithdrawnByItsId() throws Exception {
        EnrolmentDesk desk = new EnrolmentDesk(EnrolmentLimits.DEFAULT, Clock.systemUTC(), timer, audit);
        desk.addMonitor(monitor);
        EnrolmentDesk.Filed first = desk.submit(mac(1), key(1), "10.0.0.1");
        EnrolmentDesk.Filed second = desk.submit(mac(2), key(2), "10.0.0.2");
        assertEquals(List.of(first.id(), second.id()), desk.pending().stream().map(EnrolmentRequest::id).toList());
        desk.withdraw(second.id());
        assertEquals("request withdrawn", second.decision().get().reason());
        assertFalse(first.decision().isDone());
        assertEquals(List.of(first.id()), desk.pending().stream().map(EnrolmentRequest::id).toList());
    }

    @Test
    void theOperatorDecidesAndTheMonitorSeesIt() throws Exception {
        EnrolmentDesk desk = new EnrolmentDesk(EnrolmentLimits.DEFAULT, Clock.systemUTC(), timer, audit);
        desk.addMonitor(monitor);
        CompletableFuture<Decision> a = desk.submit(mac(1), key(1), "10.0.0.1").decision();
        CompletableFuture<Decision> b = desk.submit(mac(2), key(2), "10.0.0.1").decision();
        assertFalse(a.isDone());
        assertTrue(desk.decide(1, true, "root"));
        assertFalse(desk.decide(1, false, "root"), "decided twice");
        assertTrue(desk.decide(2, false, "root"));
        assertTrue(a.get().accepted());
        assertEquals("denied by the operator", b.get().reason());
        assertEquals(List.of("offered 1 b8:27:eb:00:00:01", "offered 2 b8:27:eb:00:00:02", "closed 1 true root",
                "closed 2 false denied by the operator"), shown);
        String log = java.nio.file.Files.readString(dir.resolve("audit.log"));
        assertTrue(log.contains("enrolment request 1 mac=b8:27:eb:00:00:01 key=" + key(1).fingerprint() + " accepted by root"), log);
    }

    @Test
    void pendingRequestsAreCappedPerKeyPerSourceAndOverall() throws Exception {
        EnrolmentDesk desk = new EnrolmentDesk(new EnrolmentLimits(5, 3, 1, Duration.ofMinutes(1)), Clock.systemUTC(), timer, audit);
        desk.addMonitor(monitor);
        assertFalse(desk.submit(mac(1), key(1), "10.0.0.1").decision().isDone());
        assertTrue(desk.submit(mac(1), key(1), "10.0.0.2").decision().get().reason().contains("already pending"));
        assertFalse(desk.submit(mac(2), key(2), "10.0.0.1").decision().isDone());
        assertFalse(desk.submit(mac(3), key(3), "10.0.0.1").decision().isDone());
        assertTrue(desk.submit(mac(4), key(4), "10.0.0.1").decision().get().reason().contains("from 10.0.0.1"));
        assertFalse(desk.submit(mac(5), key(5), "10.0.0.2").decision().isDone());
        assertFalse(desk.submit(mac(6), key(6), "10.0.0.3").decision().isDone());
        assertTrue(desk.submit(mac(7), key(7), "10.0.0.4").decision().get().reason().contains("too many pending"));
        assertEquals(5, desk.pending().size());
    }

    @Test
    void requestsExpireAndAreDeniedWhenTheLastMonitorLeaves() throws Exception {
        EnrolmentDesk desk = new EnrolmentDesk(new EnrolmentLimits(5, 5, 1, Duration.ofMillis(300)), Clock.systemUTC(), timer, audit);
        desk.addMonitor(monitor);
        CompletableFuture<Decision> a = desk.submit(mac(1), key(1), "10.0.0.1").decision();
        assertEquals("request expired", a.get(10, TimeUnit.SECONDS).reason());
        EnrolmentDesk patient = new EnrolmentDesk(EnrolmentLimits.DEFAULT, Clock.systemUTC(), timer, audit);
        patient.addMonitor(monitor);
        CompletableFuture<Decision> b = patient.submit(mac(2), key(2), "10.0.0.1").decision();
        patient.removeMonitor(monitor);
        assertTrue(b.get(1, TimeUnit.SECONDS).reason().contains("monitor stopped"));
        assertEquals(List.of(), patient.pending());
    }
}
