package walt.vpn.server;

import walt.vpn.ssh.SshPublicKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import walt.vpn.testing.LabServer;
import walt.vpn.testing.NetworkLab;
import walt.vpn.testing.Tools;

/**
 * The server side as installed: {@code walt vpn-server init} and {@code run} on a "server"
 * lab host (its own network and /etc: the accounts init makes stay there) with a real sshd
 * using the generated drop-in; nodes are real {@code ssh} clients on a "node" host; the
 * operator uses {@code walt vpn monitor|nodes|revoke}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VpnServerIT {

    static final String SERVER_IP = "10.77.0.1";
    static final Path BASE = Path.of("/run/walt-vpn-server-it");
    static NetworkLab lab;
    static NetworkLab.Host serverHost;
    static NetworkLab.Host node;
    static LabServer server;
    static Path knownHosts;
    static Process tunnelA;
    static Process tunnelB;

    @BeforeAll
    static void setUp() throws Exception {
        Tools.require("sshd");
        Tools.require("ssh");
        Tools.require("mknod");
        lab = NetworkLab.open("vpn-server-it", LabServer.ENROL_USER, LabServer.TUNNEL_USER);
        serverHost = lab.addHost("server");
        node = lab.addHost("node");
        lab.link(serverHost, SERVER_IP + "/24", node, "10.77.0.2/24");
        server = LabServer.start(BASE, lab, serverHost, SERVER_IP, 22, "wv-net");
        Tools.Result again = server.exec(walt("vpn-server", "init", "--systemd-dir", "/nonexistent"), 120);
        assertEquals(0, again.exit(), again.all());
        assertTrue(again.stdout().contains("kept CA key"), "init is idempotent: " + again.stdout());
        knownHosts = BASE.resolve("known_hosts");
        Files.writeString(knownHosts, SERVER_IP + " " + Files.readString(BASE.resolve("hostkey.pub")));
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            if (server != null) {
                server.close();
            }
        } finally {
            if (lab != null) {
                lab.close();
            }
        }
    }

    static List<String> walt(String... args) {
        return server.walt(args);
    }

    /** A node's own key, made "on the node". */
    static Path nodeKey(String name) throws Exception {
        Path key = BASE.resolve(name);
        if (!Files.exists(key)) {
            Tools.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString()), BASE, 30);
        }
        return key;
    }

    static String fingerprint(Path key) throws IOException {
        return SshPublicKey.parse(Files.readString(key.resolveSibling(key.getFileName() + ".pub"))).fingerprint();
    }

    static List<String> ssh(Path key, String user, String... more) {
        List<String> cmd = new ArrayList<>(List.of("ssh", "-F", "/dev/null", "-i", key.toString(), "-o", "IdentitiesOnly=yes",
                "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + knownHosts,
                "-o", "ConnectTimeout=10"));
        cmd.addAll(List.of(more));
        cmd.add(user + "@" + SERVER_IP);
        return cmd;
    }

    /** An enrolment request, its answer decoded as the node's enroll.sh decodes it. */
    static Tools.Result enrol(Path key, String mac) throws Exception {
        return decoded(enrolRaw(key, mac));
    }

    static Tools.Result enrolRaw(Path key, String mac) throws Exception {
        List<String> cmd = ssh(key, ServerAccounts.ENROL);
        cmd.addAll(List.of("enroll", mac));
        return exec(node, cmd, 90);
    }

    /**
     * netcat relays the daemon's framed lines as they are (docs/vpn-protocol.md): {@code out}
     * lines become stdout, {@code err} lines stderr, and the {@code exit} line the status. An
     * answer without it is the forced command's own, or ssh's, and stands as it is.
     */
    static Tools.Result decoded(Tools.Result raw) {
        List<String> lines = raw.stdout().lines().toList();
        List<String> exit = lines.stream().filter(l -> l.matches("exit [0-9]+")).toList();
        if (raw.exit() == 255 || exit.isEmpty()) {
            return raw;
        }
        String out = framed(lines, "out ");
        return new Tools.Result(Integer.parseInt(exit.get(exit.size() - 1).substring("exit ".length())), out,
                raw.stderr() + framed(lines, "err "), out.getBytes(StandardCharsets.US_ASCII));
    }

    private static String framed(List<String> lines, String tag) {
        StringBuilder text = new StringBuilder();
        lines.stream().filter(l -> l.startsWith(tag)).forEach(l -> text.append(l, tag.length(), l.length()).append('\n'));
        return text.toString();
    }

    /** Runs {@code walt vpn monitor --accept FP} and waits until it is listening. */
    static Process monitorAccepting(String fingerprint, String logName) throws Exception {
        Process p = server.background(walt("vpn", "monitor", "--accept", fingerprint, "--timeout", "60"), logName);
        waitFor("the monitor", () -> log(logName).contains("waiting for nodes"));
        return p;
    }

    static Path enrolled(String keyName, String mac, int expectedNode) throws Exception {
        Path key = nodeKey(keyName);
        Process monitor = monitorAccepting(fingerprint(key), keyName + "-monitor.log");
        Tools.Result r = enrol(key, mac);
        assertEquals(0, r.exit(), r.all());
        assertTrue(monitor.waitFor(30, TimeUnit.SECONDS), "monitor --accept exits once accepted");
        assertEquals(0, monitor.exitValue(), log(keyName + "-monitor.log"));
        assertTrue(log(keyName + "-monitor.log").contains("MAC " + mac + ", key " + fingerprint(key)), log(keyName + "-monitor.log"));
        Path cert = BASE.resolve(keyName + "-cert.pub");
        Files.writeString(cert, r.stdout());
        String shown = Tools.run(List.of("ssh-keygen", "-Lf", cert.toString()), BASE, 30).stdout();
        assertTrue(shown.matches("(?s).*Principals: *\n +node-" + expectedNode + "\n +walt-vpn-node\n.*"), shown);
        assertTrue(shown.contains(fingerprint(key)), shown);
        return cert;
    }

    static Process tunnel(String keyName, String remoteUnit) throws IOException {
        Path key = BASE.resolve(keyName);
        List<String> cmd = ssh(key, ServerAccounts.TUNNEL, "-o", "CertificateFile=" + BASE.resolve(keyName + "-cert.pub"), "-N",
                "-o", "Tunnel=ethernet", "-w", "any:" + remoteUnit, "-o", "ExitOnForwardFailure=yes", "-o", "ServerAliveInterval=5");
        return lab.start(node, BASE.resolve(keyName + "-tunnel.log"), cmd);
    }

    static String serverSys(String path) {
        return server.sys(path);
    }

    @Test
    @Order(1)
    void withoutAMonitorTheRequestIsDeniedAtOnce() throws Exception {
        long t0 = System.nanoTime();
        Tools.Result raw = enrolRaw(nodeKey("node-a"), "b8:27:eb:00:00:0a");
        // The relay is netcat alone: the daemon's lines reach the node as the daemon wrote them.
        assertEquals("err denied: no operator is running walt vpn monitor\nexit " + RelayReply.DENIED + "\n", raw.stdout(), raw.all());
        assertEquals(0, raw.exit(), raw.all());
        Tools.Result r = decoded(raw);
        assertEquals(RelayReply.DENIED, r.exit(), r.all());
        assertTrue(r.stderr().contains("denied: no operator is running walt vpn monitor"), r.stderr());
        assertEquals("", r.stdout());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(20), "denied without waiting");
    }

    @Test
    @Order(2)
    void aScriptedMonitorDeniesEveryRequest() throws Exception {
        Process monitor = server.background(walt("vpn", "monitor", "--deny-all", "--timeout", "30"), "deny-monitor.log");
        waitFor("the denying monitor", () -> log("deny-monitor.log").contains("waiting for nodes"));
        Tools.Result r = enrol(nodeKey("node-a"), "b8:27:eb:00:00:0a");
        assertEquals(RelayReply.DENIED, r.exit(), r.all());
        assertTrue(r.stderr().contains("denied: denied by the operator"), r.stderr());
        assertEquals("", r.stdout());
        waitFor("the monitor to report the denial", () -> log("deny-monitor.log").contains("denied: denied by the operator"));
        // The bootstrap key, which every card holds, is denied without asking, and the operator is told.
        Tools.Result probe = enrol(BASE.resolve("state/bootstrap"), "b8:27:eb:00:00:99");
        assertEquals(RelayReply.DENIED, probe.exit(), probe.all());
        assertTrue(probe.stderr().contains("denied: the bootstrap key is on every SD card"), probe.stderr());
        waitFor("the monitor to flag the bootstrap key", () -> log("deny-monitor.log").contains(
                "WARNING: a request for MAC b8:27:eb:00:00:99 from 10.77.0.2 was signed by the VPN's bootstrap key"));
        assertTrue(log("deny-monitor.log").contains("MAC b8:27:eb:00:00:0a, key " + fingerprint(nodeKey("node-a"))), log("deny-monitor.log"));
        monitor.destroy();
        assertTrue(monitor.waitFor(10, TimeUnit.SECONDS));
        waitFor("the monitor to leave", () -> enrolDenialReason().contains("no operator"));
    }

    static String enrolDenialReason() {
        try {
            return enrol(nodeKey("node-a"), "b8:27:eb:00:00:0a").stderr();
        } catch (Exception e) {
            return "";
        }
    }

    @Test
    @Order(3)
    void anAcceptedNodeGetsACertificateAndItsTunnelReachesTheBridge() throws Exception {
        enrolled("node-a", "b8:27:eb:00:00:0a", 1);
        tunnelA = tunnel("node-a", "any");
        Process a = tunnelA;
        waitFor("node-a's tap on the server", () -> serverSys("/sys/class/net/tap1/carrier").equals("1"));
        String link = server.exec(List.of("ip", "-o", "link", "show", "tap1"), 10).stdout();
        assertTrue(link.contains("master wv-net"), link);
        // The bridge's address is set, so that no tap joining or leaving changes the server's MAC on walt-net.
        assertEquals("3", serverSys("/sys/class/net/wv-net/addr_assign_type"));
        lab.ok(serverHost, "ip", "addr", "replace", "10.78.0.1/24", "dev", "wv-net");
        server.await("the node's tap", () -> exec(node, List.of("ip", "link", "show", "tap0"), 10).exit() == 0, 60);
        lab.ok(node, "ip", "addr", "replace", "10.78.0.2/24", "dev", "tap0");
        lab.ok(node, "ip", "link", "set", "tap0", "up");
        Tools.Result ping = exec(node, List.of("ping", "-c", "3", "-W", "2", "10.78.0.1"), 30);
        assertEquals(0, ping.exit(), ping.all());
        assertTrue(a.isAlive());
    }

    @Test
    @Order(4)
    void anotherNodeCannotTakeTheFirstNodesTap() throws Exception {
        enrolled("node-b", "b8:27:eb:00:00:0b", 2);
        Process stolen = tunnel("node-b", "1");
        assertTrue(stolen.waitFor(30, TimeUnit.SECONDS), "asking for tap1 fails");
        assertNotEquals(0, stolen.exitValue());
        assertEquals("1", serverSys("/sys/class/net/tap1/carrier"), "node-a keeps its tap");
        tunnelB = tunnel("node-b", "any");
        waitFor("node-b's own tap", () -> serverSys("/sys/class/net/tap2/carrier").equals("1"));
        assertTrue(tunnelB.isAlive());
    }

    @Test
    @Order(5)
    void garbageOnTheEnrolmentChannelLeavesTheDaemonUp() throws Exception {
        Tools.Result hostile = enrol(nodeKey("node-a"), "\u001b[2J;reboot");
        assertEquals(RelayReply.ERROR, hostile.exit(), hostile.all());
        assertFalse(hostile.stderr().contains("\u001b"), "nothing echoed raw");
        List<String> noArgs = ssh(nodeKey("node-a"), ServerAccounts.ENROL);
        noArgs.add("sh");
        assertEquals(RelayReply.ERROR, exec(node, noArgs, 60).exit(), "no shell for the enrolment account");
        // Straight at the daemon's socket: an endless line, broken JSON, and many idle connections.
        List<SocketChannel> idle = new ArrayList<>();
        try {
            // Sessions beyond the bound are told at once to come back, and cost nothing more.
            for (int i = 0; i < ServerDaemon.MAX_ENROLMENT_SESSIONS; i++) {
                SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
                c.connect(UnixDomainSocketAddress.of(BASE.resolve("run/enroll.sock")));
                idle.add(c);
            }
            try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                c.connect(UnixDomainSocketAddress.of(BASE.resolve("run/enroll.sock")));
                assertEquals("err error: too many enrolment sessions: retry later\nexit 4\n", readAll(c));
            }
            for (SocketChannel c : idle) {
                c.close();
            }
            idle.clear();
            try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                c.connect(UnixDomainSocketAddress.of(BASE.resolve("run/enroll.sock")));
                ByteBuffer junk = ByteBuffer.wrap("x".repeat(200_000).getBytes(StandardCharsets.US_ASCII));
                try {
                    while (junk.hasRemaining()) {
                        c.write(junk);
                    }
                } catch (IOException closedByDaemon) {
                    // expected once the line limit is hit
                }
            }
            try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                c.connect(UnixDomainSocketAddress.of(BASE.resolve("run/enroll.sock")));
                c.write(ByteBuffer.wrap("{\"op\": \"enroll\", \"mac\": [1,2], \"key\": {}}\n".getBytes(StandardCharsets.US_ASCII)));
                String text = readAll(c);
                assertTrue(text.matches("err error: [ -~]+\nexit 4\n"), text);
            }
            // Anyone holding the bootstrap key reaches this account through the site's proxy, as
            // the site's real nodes do: a flood of held requests from that one source...
            Process monitor = monitorAccepting(fingerprint(nodeKey("node-c")), "node-c-monitor.log");
            List<Process> flood = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                List<String> cmd = ssh(nodeKey("flood-" + i), ServerAccounts.ENROL);
                cmd.addAll(List.of("enroll", String.format("b8:27:eb:00:01:%02x", i)));
                flood.add(lab.start(node, BASE.resolve("flood.log"), cmd));
            }
            waitFor("the flood to fill its source's share", () -> log("state/audit.log").split("from=10.77.0.2", -1).length - 1 >= 8);
            waitFor("the oldest of the flood to give way",
                    () -> log("flood.log").split("displaced by newer requests from 10.77.0.2", -1).length - 1 >= 4);
            // ...is relayed by netcat alone, never a JVM or a shell per connection...
            String sessions = lab.ok(serverHost, "ps", "-u", ServerAccounts.ENROL, "-o", "comm=").stdout();
            assertEquals(List.of("nc.openbsd", "sshd"), sessions.lines().distinct().sorted().toList(), sessions);
            assertTrue(sessions.lines().filter(l -> l.equals("nc.openbsd")).count() >= 4, sessions);
            // A node hanging up withdraws its request: sshd closes the relay's pipes, the relay ends,
            // and the daemon's next waiting line finds it gone.
            // The flood's connections race each other to the daemon: hang up one still pending.
            String decided = log("state/audit.log");
            int hangUp = java.util.stream.IntStream.range(0, flood.size())
                    .filter(i -> decided.lines().noneMatch(l -> l.contains(String.format("mac=b8:27:eb:00:01:%02x", i)) && l.contains("denied")))
                    .findFirst().orElseThrow();
            flood.get(hangUp).destroy();
            String hungUpMac = String.format("mac=b8:27:eb:00:01:%02x", hangUp);
            waitFor("the request of the node that hung up to be withdrawn", () -> log("state/audit.log").lines()
                    .anyMatch(l -> l.contains(hungUpMac) && l.contains("denied: request withdrawn")));
            // ...and a real node behind the same proxy still gets through while the flood holds on.
            Tools.Result real = enrol(nodeKey("node-c"), "b8:27:eb:00:00:0c");
            assertEquals(0, real.exit(), real.all());
            assertTrue(monitor.waitFor(30, TimeUnit.SECONDS));
            // The flood's requests still pending went only when the monitor left, once it had
            // accepted the real node.
            waitFor("the flood's requests to close with the monitor",
                    () -> log("state/audit.log").lines().filter(l -> l.contains("mac=b8:27:eb:00:01:")
                            && l.contains("denied: the operator's monitor stopped")).count() >= 3);
            for (Process p : flood) {
                p.destroy();
            }
        } finally {
            for (SocketChannel c : idle) {
                c.close();
            }
        }
        String audit = Files.readString(BASE.resolve("state/audit.log"));
        assertTrue(audit.contains("request withdrawn"), audit);
    }

    @Test
    @Order(6)
    void revokingANodeCutsItsTunnelAndRefusesItsCertificate() throws Exception {
        Tools.Result revoke = server.exec(walt("vpn", "revoke", "node-1"), 60);
        assertEquals(0, revoke.exit(), revoke.all());
        assertTrue(revoke.stdout().contains("revoked node-1 (b8:27:eb:00:00:0a"), revoke.stdout());
        assertTrue(tunnelA.waitFor(30, TimeUnit.SECONDS), "node-a's live tunnel is cut");
        waitFor("tap1 to go", () -> serverSys("/sys/class/net/tap1/carrier").isEmpty());
        Process again = tunnel("node-a", "any");
        assertTrue(again.waitFor(30, TimeUnit.SECONDS));
        assertNotEquals(0, again.exitValue());
        assertTrue(log("node-a-tunnel.log").contains("Permission denied"), log("node-a-tunnel.log"));
        assertEquals("1", serverSys("/sys/class/net/tap2/carrier"), "node-b is not affected");

        Tools.Result nodes = server.exec(walt("vpn", "nodes", "--json"), 60);
        assertEquals(0, nodes.exit(), nodes.all());
        JsonNode list = new ObjectMapper().readTree(nodes.stdout());
        assertEquals(3, list.size(), nodes.stdout());
        assertEquals("revoked", list.get(0).path("state").asText());
        assertEquals("b8:27:eb:00:00:0a", list.get(0).path("mac").asText());
        assertEquals(fingerprint(BASE.resolve("node-a")), list.get(0).path("fingerprint").asText());
        assertEquals("active", list.get(1).path("state").asText());
        String table = server.exec(walt("vpn", "nodes"), 60).stdout();
        assertTrue(table.lines().anyMatch(l -> l.startsWith("node-2") && l.contains("b8:27:eb:00:00:0b") && l.contains("active")), table);
        String audit = Files.readString(BASE.resolve("state/audit.log"));
        assertTrue(audit.contains("revoked node-1 mac=b8:27:eb:00:00:0a"), audit);
    }

    @Test
    @Order(7)
    void filesAndSocketsAreOwnerOnly() throws Exception {
        assertEquals("rwx--x--x", mode(BASE.resolve("state")));
        assertEquals("rwx------", mode(BASE.resolve("state/registry")));
        assertEquals("rw-------", mode(BASE.resolve("state/ca")));
        assertEquals("rw-------", mode(BASE.resolve("state/bootstrap")));
        assertEquals("rw-------", mode(BASE.resolve("state/audit.log")));
        assertEquals("rw-------", mode(BASE.resolve("run/admin.sock")));
        assertEquals("rw-rw----", mode(BASE.resolve("run/enroll.sock")));
        // Group names as the server knows them: its accounts are in its own /etc.
        assertEquals(ServerAccounts.ENROL + "\n", lab.ok(serverHost, "stat", "-c", "%G", BASE.resolve("run/enroll.sock").toString()).stdout());
        // The daemon opened the server's 0600 /dev/net/tun to the tunnel account, and to nobody else.
        assertEquals("crw-rw---- " + ServerAccounts.TUNNEL + "\n", lab.ok(serverHost, "stat", "-c", "%A %G", "/dev/net/tun").stdout());
    }

    /**
     * Node-b's card is re-flashed (a new key, the same MAC) while its old tunnel is up: the
     * monitor says whose MAC it is, and accepting the new key cuts the old certificate's session,
     * so the new one gets the tap. The server's {@code status} answers for each key.
     */
    @Test
    @Order(8)
    void aSupersededCertificateLosesItsSession() throws Exception {
        assertTrue(tunnelB.isAlive());
        Path reflashed = nodeKey("node-b2");
        Process monitor = monitorAccepting(fingerprint(reflashed), "node-b2-monitor.log");
        Tools.Result r = enrol(reflashed, "b8:27:eb:00:00:0b");
        assertEquals(0, r.exit(), r.all());
        assertTrue(monitor.waitFor(30, TimeUnit.SECONDS));
        assertTrue(log("node-b2-monitor.log").contains("WARNING: this MAC is node-2, active with another key"), log("node-b2-monitor.log"));
        Files.writeString(BASE.resolve("node-b2-cert.pub"), r.stdout());
        assertTrue(tunnelB.waitFor(30, TimeUnit.SECONDS), "the superseded certificate's session is cut");
        Process fresh = tunnel("node-b2", "any");
        waitFor("node-b2's tunnel on tap2", () -> serverSys("/sys/class/net/tap2/carrier").equals("1"));
        Thread.sleep(2000);
        assertTrue(fresh.isAlive(), Files.readString(BASE.resolve("node-b2-tunnel.log")));

        List<String> oldStatus = ssh(nodeKey("node-b"), ServerAccounts.ENROL);
        oldStatus.add("status");
        Tools.Result old = exec(node, oldStatus, 60);
        assertEquals(RelayReply.DENIED, old.exit(), old.all());
        assertEquals("", old.stdout());
        List<String> newStatus = ssh(reflashed, ServerAccounts.ENROL);
        newStatus.add("status");
        Tools.Result now = exec(node, newStatus, 60);
        assertEquals(0, now.exit(), now.all());
        String serial = Tools.run(List.of("ssh-keygen", "-Lf", BASE.resolve("node-b2-cert.pub").toString()), BASE, 30).stdout()
                .lines().filter(l -> l.strip().startsWith("Serial:")).findFirst().orElseThrow().strip().substring("Serial: ".length());
        assertEquals(serial + "\n", now.stdout());

        // The same key asking again (its certificate lost on the way) needs no second yes,
        // even with no monitor running.
        Tools.Result again = enrol(reflashed, "b8:27:eb:00:00:0b");
        assertEquals(0, again.exit(), again.all());
        assertTrue(again.stdout().startsWith("ssh-ed25519-cert-v01@openssh.com "), again.stdout());
        NetworkLab.stop(fresh);
    }

    /** Everything the daemon sends until it closes the connection. */
    static String readAll(SocketChannel c) throws IOException {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(4096);
        while (c.read(b) >= 0) {
            all.write(b.array(), 0, b.position());
            b.clear();
        }
        return all.toString(StandardCharsets.US_ASCII);
    }

    static Tools.Result exec(NetworkLab.Host host, List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        return lab.run(host, timeoutSeconds, Map.of(), command);
    }

    static String mode(Path p) throws IOException {
        return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    static String log(String name) {
        return server.log(name);
    }

    static void waitFor(String what, BooleanSupplier condition) throws Exception {
        server.await(what, condition::getAsBoolean, 60);
    }
}
