package walt.vpn.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import walt.vpn.testing.NetworkLab;
import walt.vpn.testing.Tools;

/**
 * The node's enrolment and tunnel scripts against real sshd: three network namespaces, a node,
 * a proxy (the entrypoint) and a server, the node reaching the server only through the proxy.
 * The server's enrolment account runs a stub of the enrolment command (docs/vpn-protocol.md):
 * first request denied, second answered with garbage, third with a certificate for another
 * key, fourth with the node's certificate from a test CA.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeEnrolTunnelTest {

    // Accounts of our own: other tests on this machine create walt-vpn* accounts.
    private static final String PROXY_USER = "wvnode-prx";
    private static final String ENROL_USER = "wvnode-enr";
    private static final String TUNNEL_USER = "wvnode-tun";
    private static final String MAC = "b8:27:eb:12:34:56";
    private static final String NODE_ADDR = "10.231.1.2";
    private static final String PROXY_ADDR = "10.231.1.1";
    private static final String SERVER_ADDR = "10.231.2.2";

    private NetworkLab net;
    private Path lab;
    private NetworkLab.Host node;
    private NetworkLab.Host proxy;
    private NetworkLab.Host server;
    private Path state;
    private Path site;
    private Path proxyLog;
    private Path serverLog;
    private final Map<String, String> env = new HashMap<>();

    @BeforeAll
    void setUp() throws Exception {
        for (String t : List.of("sshd", "ssh", "ssh-keygen", "useradd", "ping")) {
            Tools.require(t);
        }
        net = NetworkLab.open("node-enrol", PROXY_USER, ENROL_USER, TUNNEL_USER);
        // sshd runs AuthorizedKeysCommand only from a path no one but root can change, up to /:
        // not under the checkout, which may lie in /tmp.
        lab = Files.createTempDirectory(Path.of("/run"), "walt-vpn-node-lab-");
        Files.setPosixFilePermissions(lab, PosixFilePermissions.fromString("rwxr-xr-x"));
        net.createDirectory(Path.of("/run/sshd"));

        node = net.addHost("node");
        proxy = net.addHost("proxy");
        server = net.addHost("server");
        net.link(node, NODE_ADDR + "/24", proxy, PROXY_ADDR + "/24");
        net.link(proxy, "10.231.2.1/24", server, SERVER_ADDR + "/24");
        // The accounts live in the hosts' own /etc, never on this machine.
        account(proxy, PROXY_USER);
        account(server, ENROL_USER);
        account(server, TUNNEL_USER);

        Path bootstrap = keygen(lab.resolve("bootstrap"));
        Path proxyHostKey = keygen(lab.resolve("proxy_host_key"));
        Path serverHostKey = keygen(lab.resolve("server_host_key"));
        startProxy(bootstrap, proxyHostKey);
        startServer(serverHostKey);
        writeSite(bootstrap, proxyHostKey, serverHostKey);
    }

    @AfterAll
    void tearDown() throws Exception {
        Node.closeLab(net, lab);
    }

    @Test
    @Order(1)
    void enrolsThroughTheProxyAfterADenialAndBadAnswers() throws Exception {
        Tools.Result r = net.run(node, 120, env, List.of(Node.script("enroll.sh")));
        String out = r.stdout();
        assertEquals(0, r.exit(), r.all() + logs());
        Path key = state.resolve("id_ed25519");
        String fp = Tools.run("ssh-keygen", "-lf", key + ".pub").stdout().split(" ")[1];
        assertTrue(out.contains("walt-vpn: made the node key"), out);
        assertTrue(out.contains("walt-vpn: node key fingerprint " + fp + " (256 " + fp + " walt-vpn-node (ED25519))"), out);
        assertTrue(out.contains("walt-vpn: enrolment request 1 to " + PROXY_ADDR + ":22 (mac " + MAC + ", key " + fp + ")"), out);
        assertTrue(out.contains("walt-vpn: enrolment request to " + PROXY_ADDR + ":22 denied: no monitor running; next request in 1s"), out);
        assertTrue(out.contains("walt-vpn: enrolment request 2 to "), out);
        assertTrue(out.contains("enrolment request to " + PROXY_ADDR + ":22 failed: the answer is not one certificate line for this node's key: "
                + "not a certificate [31m"), out);
        assertFalse(out.contains("\u001b"), "terminal escapes from the server reach the console");
        assertTrue(out.contains("enrolment request 3 to "), out);
        assertTrue(out.contains("enrolment request to " + PROXY_ADDR + ":22 failed: server error: the WalT VPN server is not running (no complete answer);"),
                "an answer cut short is an error, whatever ssh's status\n" + out);
        assertTrue(out.contains("enrolment request 4 to "), out);
        assertTrue(out.contains("enrolment request to " + PROXY_ADDR + ":22 failed: the answer is not one certificate line for this node's key: "
                + "ssh-ed25519-cert-v01@openssh.com AAAA"), "a certificate for another key is refused\n" + out);
        assertTrue(out.contains("walt-vpn: enrolment request 5 to "), out);
        assertTrue(out.contains("walt-vpn: enrolment request to " + PROXY_ADDR + ":22 accepted"), out);
        assertFalse(out.contains("enrolment request 6"), out);

        // The certificate is for the node's own key, which the server saw on its hop; the
        // private key stayed in the node's state directory.
        Path cert = state.resolve("id_ed25519-cert.pub");
        Tools.Result info = Tools.run("ssh-keygen", "-Lf", cert.toString());
        assertEquals(0, info.exit(), info.all());
        assertTrue(info.stdout().contains("Public key: ED25519-CERT " + fp), info.stdout());
        assertTrue(info.stdout().contains("node-1"), info.stdout());
        Path enrol = lab.resolve("enrol");
        assertEquals(Files.readString(key.resolve("../id_ed25519.pub").normalize()).split(" ")[1],
                Files.readString(enrol.resolve("node.pub")).strip().split(" ")[1]);
        assertEquals(java.util.Collections.nCopies(5, "enroll " + MAC), Files.readAllLines(enrol.resolve("requests")));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve("bootstrap"))));
        try (var s = Files.list(state)) {
            assertEquals(List.of("bootstrap", "id_ed25519", "id_ed25519-cert.pub", "id_ed25519.pub"),
                    s.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary file left");
        }
        // The proxy hop took the bootstrap key, the only key it knows.
        String bootstrapFp = Tools.run("ssh-keygen", "-lf", lab.resolve("bootstrap.pub").toString()).stdout().split(" ")[1];
        assertTrue(Files.readString(proxyLog).contains("Accepted publickey for " + PROXY_USER + " from " + NODE_ADDR), logs());
        assertTrue(Files.readString(proxyLog).contains(bootstrapFp), logs());

        // Once enrolled, the service does not ask again.
        Tools.Result again = net.run(node, 60, env, List.of(Node.script("enroll.sh")));
        assertEquals(0, again.exit(), again.all());
        assertTrue(again.stdout().contains("node already enrolled"), again.stdout());
        assertEquals(5, Files.readAllLines(enrol.resolve("requests")).size());
    }

    @Test
    @Order(2)
    void tunnelBridgesATapThatReachesTheServer() throws Exception {
        Path log = lab.resolve("tunnel.log");
        Process tunnel = net.start(node, env, log, List.of(Node.script("tunnel.sh")));
        try {
            waitFor(() -> Node.contains(log, "tunnel: up, tap"), 60, "tunnel up", log);
            String ports = net.ok(node, "ip", "-o", "link", "show", "master", "walt-vpn-br").stdout();
            assertTrue(ports.matches("(?s)\\d+: tap\\d+: .*master walt-vpn-br.*"), ports);
            waitFor(() -> {
                try {
                    return net.ok(server, "ip", "link", "show", "tap7").stdout().contains("LOWER_UP");
                } catch (Exception e) {
                    return false;
                }
            }, 30, "server tap7 carrier", log);
            // Stand in for the VM: an address on the bridge, then ping the server's tap.
            net.ok(node, "ip", "addr", "add", "10.231.9.2/24", "dev", "walt-vpn-br");
            Tools.Result ping = net.run(node, 60, Map.of(), List.of("ping", "-c", "3", "-W", "5", "10.231.9.1"));
            assertEquals(0, ping.exit(), ping.all() + Files.readString(log) + logs());
            assertTrue(ping.stdout().contains("3 received"), ping.stdout());
            assertTrue(Files.readString(serverLog).contains("ID walt-vpn:node-1:" + MAC + " (serial 7)"), logs());
        } finally {
            NetworkLab.stop(tunnel);
        }
        assertTrue(Files.exists(state.resolve("id_ed25519-cert.pub")), "a working certificate is kept");
    }

    @Test
    @Order(3)
    void aProxyRefusingTheBootstrapKeyLeavesTheCertificate() throws Exception {
        Path good = lab.resolve("bootstrap-good");
        Files.copy(site.resolve("bootstrap"), good);
        Files.copy(keygen(lab.resolve("bootstrap-other")), site.resolve("bootstrap"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try {
            Tools.Result r = net.run(node, 60, once(), List.of(Node.script("tunnel.sh")));
            assertEquals(255, r.exit(), r.all() + logs());
            assertTrue(r.stdout().contains(PROXY_USER + "@" + PROXY_ADDR + ": Permission denied"), r.stdout());
            assertFalse(r.stdout().contains("no longer honours"), r.stdout());
            assertTrue(Files.exists(state.resolve("id_ed25519-cert.pub")), "the certificate was dropped for a proxy's refusal");
        } finally {
            Files.copy(good, site.resolve("bootstrap"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * A proxy prints, in its banner, the very words ssh uses for the server refusing a login,
     * then fails the forward: the node asks the server itself (an exit status no proxy can
     * forge) and keeps its certificate.
     */
    @Test
    @Order(3)
    void aProxyPrintingAForgedRefusalLeavesTheCertificate() throws Exception {
        Path dir = Files.createDirectories(lab.resolve("liar"));
        Files.writeString(dir.resolve("banner"), TUNNEL_USER + "@" + SERVER_ADDR + ": Permission denied (publickey).\n");
        // Its forwards go nowhere: the node's session ends as a refused one would.
        Files.writeString(dir.resolve("authorized_keys"), "restrict,port-forwarding,permitopen=\"" + SERVER_ADDR + ":2\" "
                + Files.readString(lab.resolve("bootstrap.pub")));
        Path cfg = sshdConfig(dir, PROXY_ADDR + ":2222", lab.resolve("proxy_host_key"), PROXY_USER,
                "AuthorizedKeysFile " + dir.resolve("authorized_keys"), "Banner " + dir.resolve("banner"));
        Path liarLog = dir.resolve("sshd.log");
        Process liar = net.start(proxy, liarLog, List.of("/usr/sbin/sshd", "-D", "-e", "-f", cfg.toString()));
        try {
            waitFor(() -> Node.contains(liarLog, "Server listening on"), 20, "the lying proxy's sshd", liarLog);
            Path other = Files.createDirectories(lab.resolve("node/site-liar"));
            Files.writeString(other.resolve("ssh_config"), Files.readString(site.resolve("ssh_config"))
                    .replace("Port 22\n    User " + PROXY_USER, "Port 2222\n    User " + PROXY_USER));
            Files.writeString(other.resolve("known_hosts"), Files.readString(site.resolve("known_hosts"))
                    + "[" + PROXY_ADDR + "]:2222 " + pub(lab.resolve("proxy_host_key")) + "\n");
            for (String f : List.of("bootstrap", "vpn.conf")) {
                Files.copy(site.resolve(f), other.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            Map<String, String> lied = new HashMap<>(once());
            lied.put("WALT_VPN_SITE", other.toString());
            Tools.Result r = net.run(node, 90, lied, List.of(Node.script("tunnel.sh")));
            assertEquals(255, r.exit(), r.all() + logs());
            assertTrue(r.stdout().contains("walt-vpn: tunnel: ssh: " + TUNNEL_USER + "@" + SERVER_ADDR + ": Permission denied"),
                    "the forged refusal reached the node: " + r.stdout());
            assertFalse(r.stdout().contains("no longer honours"), r.stdout());
            assertTrue(Files.exists(state.resolve("id_ed25519-cert.pub")), "a proxy's words made the node drop its certificate");
        } finally {
            NetworkLab.stop(liar);
        }
    }

    /**
     * The server refuses the tunnel login for another reason than the certificate (here its
     * principals file has lost the node for a while): the server's status still names the
     * node's serial, so the node keeps its certificate; once it names another (the node was
     * re-enrolled from another card), the node drops it.
     */
    @Test
    @Order(3)
    void theNodeKeepsItsCertificateWhileTheServerStillNamesItsSerial() throws Exception {
        Path principals = lab.resolve("server/principals");
        String kept = Files.readString(principals);
        Path cert = state.resolve("id_ed25519-cert.pub");
        String certificate = Files.readString(cert);
        try {
            Files.writeString(principals, "");
            Tools.Result same = net.run(node, 60, once(), List.of(Node.script("tunnel.sh")));
            assertEquals(255, same.exit(), same.all() + logs());
            assertTrue(same.stdout().contains(TUNNEL_USER + "@" + SERVER_ADDR + ": Permission denied"), same.stdout());
            assertFalse(same.stdout().contains("no longer honours"), same.stdout());
            assertTrue(Files.exists(cert), "the certificate the server still names was dropped");

            Files.writeString(lab.resolve("enrol/serial"), "8\n");
            Tools.Result other = net.run(node, 60, once(), List.of(Node.script("tunnel.sh")));
            assertEquals(255, other.exit(), other.all() + logs());
            assertTrue(other.stdout().contains("no longer honours the node certificate"), other.stdout());
            assertFalse(Files.exists(cert), "a certificate the server no longer names was kept");
        } finally {
            Files.writeString(principals, kept);
            Files.deleteIfExists(lab.resolve("enrol/serial"));
            Files.writeString(cert, certificate);
        }
    }

    @Test
    @Order(4)
    void aRevokedCertificateIsDroppedForANewEnrolment() throws Exception {
        Path spec = lab.resolve("krl-spec");
        Files.writeString(spec, "serial: 7\n");
        Path krl = lab.resolve("server/revoked.krl");
        ok(Tools.run("ssh-keygen", "-q", "-k", "-u", "-f", krl.toString(), "-s", lab.resolve("enrol/ca.pub").toString(), spec.toString()));
        Files.writeString(lab.resolve("enrol/revoked"), "");
        Tools.Result r = net.run(node, 60, once(), List.of(Node.script("tunnel.sh")));
        assertEquals(255, r.exit(), r.all() + logs());
        assertTrue(r.stdout().contains(TUNNEL_USER + "@" + SERVER_ADDR + ": Permission denied"), r.stdout());
        assertTrue(r.stdout().contains("walt-vpn: tunnel: the server no longer honours the node certificate (expired, revoked or replaced): "
                + "enrolling again"), r.stdout());
        assertFalse(Files.exists(state.resolve("id_ed25519-cert.pub")), "the refused certificate is kept");
        assertTrue(Files.exists(state.resolve("id_ed25519")), "the node key is kept");
    }

    @Test
    @Order(5)
    void tunnelRetriesWithAGrowingPause() throws Exception {
        // A site whose entrypoint refuses connections (nothing listens on port 2).
        Path other = Files.createDirectories(lab.resolve("node/site-refused"));
        Files.writeString(other.resolve("ssh_config"), Files.readString(site.resolve("ssh_config")).replace("Port 22\n    User " + PROXY_USER,
                "Port 2\n    User " + PROXY_USER));
        for (String f : List.of("bootstrap", "known_hosts", "vpn.conf")) {
            Files.copy(site.resolve(f), other.resolve(f));
        }
        Files.writeString(state.resolve("id_ed25519-cert.pub"), "kept\n"); // only its presence matters here
        Map<String, String> refused = new HashMap<>(env);
        refused.put("WALT_VPN_SITE", other.toString());
        Path log = lab.resolve("backoff.log");
        Process tunnel = net.start(node, refused, log, List.of(Node.script("tunnel.sh")));
        try {
            waitFor(() -> Node.text(log).split("next attempt in", -1).length > 3, 30, "three retries", log);
        } finally {
            NetworkLab.stop(tunnel);
        }
        List<String> pauses = Files.readAllLines(log).stream().filter(l -> l.contains("next attempt in")).toList();
        assertEquals(List.of("walt-vpn: tunnel: next attempt in 1s", "walt-vpn: tunnel: next attempt in 2s", "walt-vpn: tunnel: next attempt in 2s"),
                pauses.subList(0, 3), Node.text(log));
        assertTrue(Node.contains(log, "walt-vpn: tunnel: ssh: ssh: connect to host " + PROXY_ADDR + " port 2: Connection refused"), Node.text(log));
        assertFalse(Node.contains(log, "Pseudo-terminal"), Node.text(log));
    }

    /** The node's environment for one tunnel session. */
    private Map<String, String> once() {
        Map<String, String> once = new HashMap<>(env);
        once.put("WALT_VPN_TUNNEL_ONCE", "1");
        return once;
    }

    // --- the lab ---

    private void startProxy(Path bootstrap, Path hostKey) throws Exception {
        Path dir = Files.createDirectories(lab.resolve("proxy"));
        Files.writeString(dir.resolve("authorized_keys"), "restrict,port-forwarding,permitopen=\"" + SERVER_ADDR + ":22\" "
                + Files.readString(Path.of(bootstrap + ".pub")));
        Path cfg = sshdConfig(dir, PROXY_ADDR, hostKey, PROXY_USER,
                "AuthorizedKeysFile " + dir.resolve("authorized_keys"));
        proxyLog = dir.resolve("sshd.log");
        net.start(proxy, proxyLog, List.of("/usr/sbin/sshd", "-D", "-e", "-f", cfg.toString()));
        waitFor(() -> Node.contains(proxyLog, "Server listening on"), 20, "proxy sshd", proxyLog);
    }

    private void startServer(Path hostKey) throws Exception {
        Path dir = Files.createDirectories(lab.resolve("server"));
        // The enrolment account's state: the test CA, the requests seen, a counter.
        Path enrol = Files.createDirectories(lab.resolve("enrol"));
        keygen(enrol.resolve("ca"));
        net.ok(server, "chown", "-R", ENROL_USER, enrol.toString());
        Files.setPosixFilePermissions(enrol, PosixFilePermissions.fromString("rwx------"));

        Path keys = dir.resolve("enrol-keys");
        Files.writeString(keys, "#!/bin/sh\n# Any key may ask: the forced command decides.\n"
                + "printf 'restrict,command=\"%s\" %s %s\\n' '" + dir.resolve("enrol-stub") + "' \"$1\" \"$2\"\n");
        Path stub = dir.resolve("enrol-stub");
        Files.writeString(stub, String.join("\n",
                "#!/bin/sh",
                "# The enrolment command's contract (docs/vpn-protocol.md): the server's clock for time; for enroll, the daemon's",
                "# framed lines as netcat relays them: deny, then garbage, then an answer cut short, then a certificate for another key,",
                "# then the right one.",
                "set -eu",
                "d=" + enrol,
                "if [ \"$SSH_ORIGINAL_COMMAND\" = time ]; then date +%s; exit 0; fi",
                "# status: the live certificate's serial, exit 3 once the test has revoked it.",
                "if [ \"$SSH_ORIGINAL_COMMAND\" = status ]; then",
                "  if [ -e $d/revoked ]; then echo 'denied: no valid certificate for this key' >&2; exit 3; fi",
                "  cat $d/serial 2>/dev/null || echo 7; exit 0",
                "fi",
                "n=$(( $(cat $d/count 2>/dev/null || echo 0) + 1 ))",
                "echo $n >$d/count",
                "printf '%s\\n' \"$SSH_ORIGINAL_COMMAND\" >>$d/requests",
                "case $SSH_ORIGINAL_COMMAND in 'enroll '??:??:??:??:??:??) ;; *) echo 'error: malformed request' >&2; exit 4 ;; esac",
                "mac=${SSH_ORIGINAL_COMMAND#enroll }",
                "sed -n 's/^publickey //p' \"$SSH_USER_AUTH\" | head -n 1 >$d/node.pub",
                "case $n in",
                "1) printf 'err waiting: for the operator (5 s)\\nerr denied: no monitor running\\nexit 3\\n'; exit 0 ;;",
                "2) printf 'out not a certificate \\033[31mred\\nexit 0\\n'; exit 0 ;;",
                "3) printf 'err waiting: for the operator (5 s)\\n'; exit 0 ;;",
                "4) rm -f $d/other*; ssh-keygen -q -t ed25519 -N '' -f $d/other",
                "   ssh-keygen -q -s $d/ca -I other -n node-1 -z 6 -V -5m:+1d $d/other.pub; printf 'out %s\\nexit 0\\n' \"$(cat $d/other-cert.pub)\"; exit 0 ;;",
                "esac",
                "rm -f $d/node-cert.pub",
                "ssh-keygen -q -s $d/ca -I \"walt-vpn:node-1:$mac\" -n node-1,walt-vpn-node -z 7 -V -5m:+365d"
                        + " -O clear -O permit-port-forwarding $d/node.pub",
                "printf 'out %s\\nexit 0\\n' \"$(cat $d/node-cert.pub)\"",
                ""));
        for (Path p : List.of(keys, stub)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.writeString(dir.resolve("principals"),
                "tunnel=\"7\",no-port-forwarding,no-agent-forwarding,no-X11-forwarding,no-pty,no-user-rc node-1\n");
        Path krl = dir.resolve("revoked.krl");
        ok(Tools.run("ssh-keygen", "-q", "-k", "-f", krl.toString()));
        Path cfg = sshdConfig(dir, SERVER_ADDR, hostKey, ENROL_USER + " " + TUNNEL_USER,
                "AuthorizedKeysFile none",
                "RevokedKeys " + krl,
                "PermitTunnel no",
                "Match User " + ENROL_USER,
                "    AuthorizedKeysCommand " + keys + " %t %k",
                "    AuthorizedKeysCommandUser " + ENROL_USER,
                "    ExposeAuthInfo yes",
                "Match User " + TUNNEL_USER,
                "    TrustedUserCAKeys " + enrol.resolve("ca.pub"),
                "    AuthorizedPrincipalsFile " + dir.resolve("principals"),
                "    PermitTunnel ethernet");
        // The node's tap on the server, as the server daemon makes it.
        net.ok(server, "ip", "tuntap", "add", "dev", "tap7", "mode", "tap", "user", TUNNEL_USER);
        net.ok(server, "ip", "addr", "add", "10.231.9.1/24", "dev", "tap7");
        net.ok(server, "ip", "link", "set", "tap7", "up");
        // This machine's /dev/net/tun is root-only; rather than change it, sshd gets its own
        // node (same device, mode 0666) bound over it in its private mount namespace.
        Path tun = dir.resolve("tun");
        ok(Tools.run("mknod", "-m", "0666", tun.toString(), "c", "10", "200"));
        serverLog = dir.resolve("sshd.log");
        net.start(server, serverLog, List.of("sh", "-c", "mount --bind \"$0\" /dev/net/tun && exec /usr/sbin/sshd -D -e -f \"$1\"",
                tun.toString(), cfg.toString()));
        waitFor(() -> Node.contains(serverLog, "Server listening on"), 20, "server sshd", serverLog);
    }

    /** dir/sshd_config: a test sshd on one address, public keys only, for {@code users}, then {@code more}. */
    private static Path sshdConfig(Path dir, String address, Path hostKey, String users, String... more) throws IOException {
        List<String> lines = new java.util.ArrayList<>(List.of("ListenAddress " + address, "HostKey " + hostKey, "PidFile none",
                "UsePAM no", "LogLevel VERBOSE", "PasswordAuthentication no", "KbdInteractiveAuthentication no", "AllowUsers " + users));
        lines.addAll(List.of(more));
        lines.add("");
        return Files.writeString(dir.resolve("sshd_config"), String.join("\n", lines));
    }

    /** The node's boot partition and state, rendered from the real templates. */
    private void writeSite(Path bootstrap, Path proxyHostKey, Path serverHostKey) throws Exception {
        site = Files.createDirectories(lab.resolve("node/site"));
        state = lab.resolve("node/state");
        Map<String, Object> model = Map.of(
                "proxies", List.of(Map.of("host", PROXY_ADDR, "port", 22, "user", PROXY_USER, "hostKeys", List.of(pub(proxyHostKey)))),
                "server", Map.of("host", SERVER_ADDR, "port", 22, "enrollUser", ENROL_USER, "tunnelUser", TUNNEL_USER,
                        "hostKeys", List.of(pub(serverHostKey))),
                "vm", Map.of("memory", 512, "cpus", 2),
                "statePath", state.toString(),
                "sitePath", site.toString());
        for (String f : List.of("ssh_config", "known_hosts", "vpn.conf")) {
            Files.writeString(site.resolve(f), Node.render(f + ".ftl", model));
        }
        Files.copy(bootstrap, site.resolve("bootstrap"));
        Files.setPosixFilePermissions(site.resolve("bootstrap"), PosixFilePermissions.fromString("rw-r--r--")); // as on FAT
        Node.Sysfs sys = new Node.Sysfs(lab.resolve("node/sys")).net("eth0", MAC, 0);
        env.putAll(Map.of("WALT_VPN_STATE", state.toString(), "WALT_VPN_SITE", site.toString(), "WALT_VPN_SYSFS", sys.root.toString(),
                "WALT_VPN_RETRY_MIN", "1", "WALT_VPN_RETRY_MAX", "1", "WALT_VPN_BACKOFF_MIN", "1", "WALT_VPN_BACKOFF_MAX", "2",
                "HOME", lab.resolve("node").toString()));
        // The node's clock is this machine's: never set it.
        env.putAll(Map.of("WALT_VPN_SET_CLOCK", "true", "WALT_VPN_TIMESYNC", lab.resolve("no-timesync").toString()));
    }

    /** A system account on {@code host} whose home is the lab directory (sshd looks there for nothing). */
    private void account(NetworkLab.Host host, String user) throws Exception {
        net.ok(host, "useradd", "-r", "-M", "-d", lab.toString(), "-s", "/bin/sh", "-p", "*", user);
    }

    private static Path keygen(Path key) throws Exception {
        ok(Tools.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test", "-f", key.toString()));
        return key;
    }

    /** "TYPE BASE64" of a key pair's public half. */
    private static String pub(Path key) throws IOException {
        String[] f = Files.readString(Path.of(key + ".pub")).split(" ");
        return f[0] + " " + f[1];
    }

    private void waitFor(BooleanSupplier condition, int seconds, String what, Path log) throws Exception {
        Node.await(condition, seconds, what, () -> Node.text(log) + Node.text(proxyLog) + Node.text(serverLog));
    }

    private String logs() {
        return Node.text(proxyLog) + Node.text(serverLog);
    }

    private static void ok(Tools.Result r) {
        assertEquals(0, r.exit(), r.all());
    }
}
