package walt.vpn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import walt.vpn.node.Node;
import walt.vpn.server.ServerAccounts;
import walt.vpn.testing.LabServer;
import walt.vpn.testing.LabSshd;
import walt.vpn.testing.NetworkLab;
import walt.vpn.testing.Tools;
import walt.vpn.testing.WaltBootServer;
import walt.vpn.testing.WaltImage;

/**
 * The whole VPN, every part real: the packaged {@code walt} jar on the server ({@code vpn-server
 * init|run}, {@code vpn monitor}, {@code vpn revoke}) behind a real sshd with its drop-in; a
 * proxy made by the script {@code walt vpn setup-proxy} wrote, with its own sshd; the node's
 * services ({@code rootfs-overlay/usr/lib/walt-vpn/*.sh}) run natively with site files rendered
 * from {@code templates/*.ftl}, their real ssh reaching the server only through the proxy; the
 * node's VM launcher ({@code vm.sh}, TCG) boots as a WalT node of model qemu-arm-64 through
 * the tunnel, from a stand-in of the WalT server's network boot on walt-net
 * ({@link WaltBootServer}, serving a WalT-format image whose kernel is Debian's arm64 one).
 *
 * <pre>
 *   node 10.79.1.1 -- 10.79.1.2 proxy 10.79.2.1 -- 10.79.2.2 server (walt-net 10.79.9.1, WalT's DHCP/TFTP)
 * </pre>
 *
 * Each host is a {@link NetworkLab} host: its own network, /etc, /home and /etc/ssh, so the
 * accounts that {@code vpn-server init} and the proxy script make stay in the lab. The server is
 * a {@link LabServer} on its host: state under {@code /run} (sshd wants root-owned,
 * non-writable paths to the commands it runs), its own node of /dev/net/tun.
 *
 * <p>Security properties (DESIGN.md) and where each is tested:
 * <ul>
 * <li>the node's key is made on the node and never leaves it: {@code NodeFilesTest} (keygen),
 *     {@code NodeEnrolTunnelTest}, and here the certificate is for the key the node printed;</li>
 * <li>host keys pinned, no {@code StrictHostKeyChecking=no}: {@code NodeFilesTest} (ssh -G);
 *     a proxy presenting another key than the pinned one is refused before any key is offered:
 *     here, {@link #aProxyWithoutThePinnedHostKeyGetsNothing};</li>
 * <li>the bootstrap key only forwards to the next hop (no shell, agent, pty, listener,
 *     tunnel): {@code ProxyEndToEndTest}; here the enrolment and the tunnel go through it;</li>
 * <li>no monitor: denied at once; caps on pending requests: {@code VpnServerIT},
 *     {@code EnrolmentDeskTest}; here the node's service retries until accepted;</li>
 * <li>the monitor sanitizes and approves by fingerprint: {@code VpnServerIT}; here approval by
 *     the fingerprint as the node's console printed it;</li>
 * <li>revocation refuses the certificate and ends the live session: {@code VpnServerIT}
 *     (direct ssh); the node drops a refused certificate: {@code NodeEnrolTunnelTest} (stub KRL);
 *     the two together through the proxy: here, {@link #revokingTheNodeCutsItsTunnelAndTheNodeEnrolsAgain};
 *     a revoked node admitted again gets a new serial, the old one staying revoked: here,
 *     {@link #anOperatorCanAdmitTheRevokedNodeAgain};</li>
 * <li>one node cannot take another's tap: {@code VpnServerIT};</li>
 * <li>owner-only files and sockets, audit log, /dev/net/tun opened to the tunnel account only:
 *     {@code VpnServerIT};</li>
 * <li>hostile console text, bad answers: {@code NodeEnrolTunnelTest}; garbage on the enrolment
 *     channel: {@code VpnServerIT};</li>
 * <li>a holder of the bootstrap key cannot starve enrolment (displacement, a standing yes,
 *     the bootstrap key itself denied): {@code EnrolmentDeskTest}, and through sshd from a real
 *     node's own proxy: {@code VpnServerIT}; no JVM per enrolment connection, a bound on
 *     sessions: {@code VpnServerIT}, and the memory each costs: {@code bench/vpn-server.sh};</li>
 * <li>a proxy account stays confined whatever the proxy's sshd_config (internal-sftp, X11,
 *     PAM, unprivileged ports from 0, Unix socket listeners): {@code ProxyEndToEndTest};</li>
 * <li>a superseding certificate cuts the old one's session: {@code VpnServerIT}; a proxy
 *     printing a forged refusal cannot make the node drop its certificate:
 *     {@code NodeEnrolTunnelTest};</li>
 * <li>every fault (link, proxy, daemon, server host, node) recovers without the operator:
 *     {@code VpnFaultsIT}.</li>
 * </ul>
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VpnEndToEndIT {

    private static final String NODE_ADDR = "10.79.1.1";
    private static final String PROXY_ADDR = "10.79.1.2";
    private static final String PROXY_UPLINK = "10.79.2.1";
    private static final String SERVER_ADDR = "10.79.2.2";
    private static final String WALT_NET_ADDR = "10.79.9.1";
    private static final String MAC = "b8:27:eb:5e:72:01";
    private static final String VM_MAC = "52:54:00:5e:72:01";
    private static final Path BASE = Path.of("/run/walt-vpn-e2e");
    private static final String NO_MONITOR = "denied: no operator is running walt vpn monitor";

    private static NetworkLab lab;
    private static NetworkLab.Host node;
    private static NetworkLab.Host proxy;
    private static NetworkLab.Host server;
    private static LabServer waltServer;
    private static Path proxySshd;
    private static Path serverSshd;
    private static Path daemonLog;
    private static WaltImage image;
    private static WaltBootServer bootServer;
    private static Path site;
    private static Path state;
    private static Path tunnelLog;
    private static Process tunnel;
    private static final Map<String, String> nodeEnv = new HashMap<>();

    @BeforeAll
    static void setUp() throws Exception {
        Path jar = Path.of(System.getProperty("walt.jar", "target/walt-vpn.jar")).toAbsolutePath();
        assumeTrue(Files.isRegularFile(jar), "no packaged jar at " + jar + " (mvn package)");
        for (String t : List.of("sshd", "ssh", "ssh-keygen", "useradd", "mknod", "ping", "dnsmasq", "busybox", "qemu-system-aarch64")) {
            Tools.require(t);
        }
        // The hosts' /etc lacks this machine's walt-vpn accounts, if any: init and the proxy script make their own.
        lab = NetworkLab.open("vpn-e2e", ServerAccounts.ENROL, ServerAccounts.TUNNEL);
        image = WaltImage.write(lab.dir().resolve("walt-image"), false);
        node = lab.addHost("node");
        proxy = lab.addHost("proxy");
        server = lab.addHost("server");
        lab.link(node, NODE_ADDR + "/24", proxy, PROXY_ADDR + "/24");
        lab.link(proxy, PROXY_UPLINK + "/24", server, SERVER_ADDR + "/24");
        startServer();
        List<String> proxyHostKeys = setUpProxy();
        writeNodeSite(proxyHostKeys);
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            if (waltServer != null) {
                waltServer.close();
            }
        } finally {
            if (lab != null) {
                lab.close();
            }
        }
    }

    @Test
    @Order(1)
    void enrolmentIsDeniedWithoutAMonitorThenAcceptedByTheFingerprintTheNodeShows() throws Exception {
        Tools.Result keygen = lab.run(node, 60, nodeEnv, List.of(Node.script("keygen.sh")));
        assertEquals(0, keygen.exit(), keygen.all());
        Matcher shown = Pattern.compile("walt-vpn: node key fingerprint (SHA256:[A-Za-z0-9+/]+) ").matcher(keygen.stdout());
        assertTrue(shown.find(), keygen.stdout());
        String fingerprint = shown.group(1);

        // The board's clock is still at 2001 (no RTC, NTP blocked): it takes the server's before asking.
        Path bin = Files.createDirectories(lab.dir().resolve("node-bin"));
        Path clockSet = lab.dir().resolve("clock-set");
        NetworkLab.write(bin.resolve("date"), "#!/bin/sh\n[ \"$*\" = +%s ] && { echo 1000000000; exit 0; }\nexec /bin/date \"$@\"\n");
        NetworkLab.write(bin.resolve("set-clock"), "#!/bin/sh\necho \"$1\" >>" + clockSet + "\n");
        for (String f : List.of("date", "set-clock")) {
            Files.setPosixFilePermissions(bin.resolve(f), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Map<String, String> env = new HashMap<>(nodeEnv);
        env.putAll(Map.of("PATH", bin + ":" + System.getenv("PATH"), "WALT_VPN_SET_CLOCK", bin.resolve("set-clock").toString()));
        Path log = lab.dir().resolve("enroll.log");
        long before = System.currentTimeMillis() / 1000;
        Process enrol = lab.start(node, env, log, List.of(Node.script("enroll.sh")));
        await(() -> Node.contains(log, "walt-vpn: enrolment request to " + PROXY_ADDR + ":22 " + NO_MONITOR), 60, "a denial", log);
        assertTrue(Node.contains(log, "walt-vpn: clock set from the WalT server"), Node.text(log));
        long set = Long.parseLong(Files.readString(clockSet).strip().substring(1));
        assertTrue(set >= before - 2 && set <= System.currentTimeMillis() / 1000 + 2, "the server's clock: " + set);
        await(() -> Node.contains(log, "walt-vpn: enrolment request 2 to "), 30, "a second request", log);
        assertTrue(enrol.isAlive(), "the node goes on asking" + Node.text(log));
        assertFalse(Files.exists(state.resolve("id_ed25519-cert.pub")));

        Path monitorLog = lab.dir().resolve("monitor.log");
        Process monitor = lab.start(server, monitorLog, operator("monitor", "--accept", fingerprint, "--timeout", "90"));
        assertTrue(enrol.waitFor(90, TimeUnit.SECONDS), "no certificate once the operator accepts" + Node.text(log) + Node.text(monitorLog));
        assertEquals(0, enrol.exitValue(), Node.text(log));
        assertTrue(Node.contains(log, "walt-vpn: enrolment request to " + PROXY_ADDR + ":22 accepted: certificate stored in "), Node.text(log));
        assertTrue(monitor.waitFor(30, TimeUnit.SECONDS), "monitor --accept ends once it accepted" + Node.text(monitorLog));
        assertEquals(0, monitor.exitValue(), Node.text(monitorLog));
        assertTrue(Node.contains(monitorLog, "MAC " + MAC + ", key " + fingerprint), Node.text(monitorLog));

        // The certificate certifies the key the node made and showed; the server saw only its public half.
        Tools.Result cert = Tools.run("ssh-keygen", "-Lf", state.resolve("id_ed25519-cert.pub").toString());
        assertEquals(0, cert.exit(), cert.all());
        assertTrue(cert.stdout().contains("Public key: ED25519-CERT " + fingerprint), cert.stdout());
        assertTrue(cert.stdout().contains("Key ID: \"walt-vpn:node-1:" + MAC + "\""), cert.stdout());
        assertTrue(cert.stdout().matches("(?s).*Principals: *\n +node-1\n +walt-vpn-node\n.*"), cert.stdout());
        // The proxy hop took the bootstrap key; the server hop, reached from the proxy, the node's own key.
        assertTrue(Node.contains(proxySshd, "Accepted publickey for walt-vpn from " + NODE_ADDR + " port")
                && Node.contains(proxySshd, fingerprintOf(BASE.resolve("state/bootstrap.pub"))), Node.text(proxySshd));
        assertTrue(Node.contains(serverSshd, "Accepted publickey for " + ServerAccounts.ENROL + " from " + PROXY_UPLINK + " port")
                && Node.contains(serverSshd, "ED25519 " + fingerprint), Node.text(serverSshd));
    }

    @Test
    @Order(2)
    void theTunnelThroughTheProxyJoinsTheNodesBridgeToWaltNet() throws Exception {
        tunnelLog = lab.dir().resolve("tunnel.log");
        tunnel = lab.start(node, nodeEnv, tunnelLog, List.of(Node.script("tunnel.sh")));
        await(() -> Node.contains(tunnelLog, "walt-vpn: tunnel: up, tap"), 60, "the tunnel", tunnelLog);
        await(() -> "1".equals(waltServer.sys("/sys/class/net/tap1/carrier")), 30, "node-1's tap on the server", tunnelLog);
        assertTrue(lab.run(server, "ip", "-o", "link", "show", "tap1").stdout().contains("master walt-net"));
        assertTrue(lab.run(node, "ip", "-o", "link", "show", "master", "walt-vpn-br").stdout().matches("(?s)\\d+: tap\\d+: .*"));
        assertTrue(Node.contains(serverSshd, "Accepted publickey for " + ServerAccounts.TUNNEL + " from " + PROXY_UPLINK)
                && Node.contains(serverSshd, "ID walt-vpn:node-1:" + MAC), Node.text(serverSshd));

        // A stand-in for the VM on the node's bridge: an address from the server's dnsmasq, then ping.
        lab.ok(node, "ip", "link", "add", "wve-vm0", "type", "veth", "peer", "name", "wve-vm1");
        lab.ok(node, "ip", "link", "set", "wve-vm0", "master", "walt-vpn-br", "up");
        lab.ok(node, "ip", "link", "set", "wve-vm1", "up");
        Path dhcpScript = NetworkLab.write(lab.dir().resolve("udhcpc.sh"),
                "#!/bin/sh\n[ \"$1\" = bound ] || exit 0\nip addr add \"$ip/$mask\" dev \"$interface\"\n");
        Files.setPosixFilePermissions(dhcpScript, PosixFilePermissions.fromString("rwxr-xr-x"));
        Tools.Result dhcp = lab.run(node, "busybox", "udhcpc", "-i", "wve-vm1", "-f", "-q", "-n", "-t", "10", "-T", "2", "-s",
                dhcpScript.toString());
        assertEquals(0, dhcp.exit(), dhcp.all() + bootServer.logText());
        Matcher leased = Pattern.compile("inet (10\\.79\\.9\\.\\d+)/24").matcher(lab.run(node, "ip", "-4", "-o", "addr", "show", "wve-vm1").stdout());
        assertTrue(leased.find(), dhcp.all());
        String standInMac = lab.run(node, "cat", "/sys/class/net/wve-vm1/address").stdout().strip();
        assertTrue(Node.contains(bootServer.log(), "DHCPACK(walt-net) " + leased.group(1) + " " + standInMac), bootServer.logText());
        Tools.Result ping = lab.run(node, "ping", "-c", "3", "-W", "5", WALT_NET_ADDR);
        assertEquals(0, ping.exit(), ping.all());
        assertTrue(ping.stdout().contains("3 received"), ping.stdout());
        lab.ok(node, "ip", "link", "del", "wve-vm0");
    }

    @Test
    @Order(3)
    void theNodesVmBootsAsAWaltNodeFromTheServerThroughTheTunnel() throws Exception {
        Path console = lab.dir().resolve("vm-console.log");
        Map<String, String> env = new HashMap<>(nodeEnv);
        // /dev/kvm, where there is one, cannot run an aarch64 guest on this x86 machine: TCG runs it.
        env.putAll(Map.of("WALT_VPN_RUN", lab.dir().resolve("node-run").toString(), "WALT_VPN_BOOT_NETNS", "wvb-e2e",
                "WALT_VPN_KVM_DEVICE", lab.dir().resolve("no-kvm").toString(), "WALT_VPN_VM_ONCE", "1"));
        Process vm = lab.start(node, env, console, List.of(Node.script("vm.sh")));
        try {
            await(() -> Node.contains(console, WaltImage.KERNEL_MARKER + " " + image.kernelVersion() + " aarch64"), 240,
                    "the WalT kernel's /init", console);
            await(() -> Node.contains(console, image.networkLine()), 60, "the VM's own network through the tunnel", console);
            String text = Files.readString(console);
            assertTrue(text.contains("vm: starting (mac " + VM_MAC + ", 256 MiB, 1 CPUs)"), text);
            // A server without walt-server-httpd: the scripts fall back to TFTP.
            assertTrue(text.contains("vm: boot: http failed. falling back to tftp."), text);
            // The server registered the VM, through the tunnel, as a node of model qemu-arm-64.
            assertTrue(bootServer.registry().stream().anyMatch(l -> l.startsWith(VM_MAC + " 10.79.9.") && l.endsWith(" node qemu-arm-64")),
                    bootServer.registry() + bootServer.logText());
            assertTrue(Node.contains(bootServer.log(), "sent " + bootServer.nodeFolder(VM_MAC).resolve("kernel")), bootServer.logText());
        } finally {
            NetworkLab.stop(vm);
            lab.run(node, "ip", "netns", "del", "wvb-e2e");
        }
        assertTrue(Node.contains(console, "Linux version " + image.kernelVersion()), Node.text(console));
    }

    @Test
    @Order(4)
    void aProxyWithoutThePinnedHostKeyGetsNothing() throws Exception {
        // The node's pin for the proxy is another key than the one the proxy presents (a
        // replaced or impostor proxy, from the node's point of view).
        Path otherSite = Files.createDirectories(lab.dir().resolve("node-site-other-pin"));
        for (String f : List.of("ssh_config", "vpn.conf", "bootstrap", "ca.pub")) {
            Files.copy(site.resolve(f), otherSite.resolve(f));
        }
        Path other = lab.dir().resolve("other-proxy-key");
        ok(Tools.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other.toString()));
        String pin = String.join(" ", List.of(Files.readString(Path.of(other + ".pub")).split(" ")).subList(0, 2));
        List<String> known = Files.readAllLines(site.resolve("known_hosts")).stream()
                .map(l -> l.startsWith(PROXY_ADDR + " ") ? PROXY_ADDR + " " + pin : l).toList();
        Files.write(otherSite.resolve("known_hosts"), known);
        Path otherState = lab.dir().resolve("node-state-other-pin");
        Files.writeString(otherSite.resolve("ssh_config"), Files.readString(site.resolve("ssh_config"))
                .replace(site.toString(), otherSite.toString()).replace(state.toString(), otherState.toString()));
        Map<String, String> env = new HashMap<>(nodeEnv);
        env.put("WALT_VPN_SITE", otherSite.toString());
        env.put("WALT_VPN_STATE", otherState.toString());

        long proxySeen = Files.size(proxySshd);
        long serverSeen = Files.size(serverSshd);
        String audit = Files.readString(BASE.resolve("state/audit.log"));
        Path log = lab.dir().resolve("enroll-other-pin.log");
        Process enrol = lab.start(node, env, log, List.of(Node.script("enroll.sh")));
        try {
            await(() -> Node.contains(log, "enrolment request to " + PROXY_ADDR + ":22 failed: ssh could not connect: "), 60,
                    "a failed request", log);
        } finally {
            NetworkLab.stop(enrol);
        }
        assertTrue(Node.contains(log, "Host key verification failed"), "the node says why" + Node.text(log));
        // The proxy saw a connection that ended before any key was offered; nothing reached the server.
        String proxySaw = Files.readString(proxySshd).substring((int) proxySeen);
        assertTrue(proxySaw.contains("Connection from " + NODE_ADDR), proxySaw);
        assertFalse(proxySaw.contains("publickey"), proxySaw);
        assertEquals("", Files.readString(serverSshd).substring((int) serverSeen));
        assertEquals(audit, Files.readString(BASE.resolve("state/audit.log")));
    }

    @Test
    @Order(5)
    void revokingTheNodeCutsItsTunnelAndTheNodeEnrolsAgain() throws Exception {
        assertTrue(tunnel != null && tunnel.isAlive(), "the tunnel of the second test runs");
        assertFalse(Node.contains(tunnelLog, "ssh ended"), Node.text(tunnelLog));
        Tools.Result revoke = lab.run(server, operator("revoke", "node-1"));
        assertEquals(0, revoke.exit(), revoke.all());
        assertTrue(revoke.stdout().contains("revoked node-1 (" + MAC), revoke.stdout());

        // The live session through the proxy ends; the next login is refused on the server hop
        // and the node's service drops the certificate and asks again.
        await(() -> Node.contains(tunnelLog, "walt-vpn: tunnel: ssh ended with status 255"), 60, "the session's end", tunnelLog);
        await(() -> Node.contains(tunnelLog, "walt-vpn: tunnel: the server no longer honours the node certificate (expired, revoked or replaced): enrolling again"),
                60, "the refusal", tunnelLog);
        assertTrue(Node.contains(tunnelLog, "tunnel: ssh: " + ServerAccounts.TUNNEL + "@" + SERVER_ADDR + ": Permission denied"),
                Node.text(tunnelLog));
        assertFalse(Files.exists(state.resolve("id_ed25519-cert.pub")), "the refused certificate is dropped");
        assertTrue(Files.exists(state.resolve("id_ed25519")), "the node keeps its key");
        await(() -> Node.contains(tunnelLog, NO_MONITOR), 60, "a new enrolment request", tunnelLog);
        assertEquals("", waltServer.sys("/sys/class/net/tap1/carrier"), "node-1's tap is gone from the server");
        assertFalse(lab.run(node, "ip", "-o", "link", "show", "master", "walt-vpn-br").stdout().contains(": tap"),
                "the node's tap left its bridge");
        assertTrue(Node.contains(serverSshd, "revoked"), Node.text(serverSshd));
    }

    @Test
    @Order(6)
    void anOperatorCanAdmitTheRevokedNodeAgain() throws Exception {
        // The node's service is still asking (previous test); the operator accepts its key again.
        String fingerprint = fingerprintOf(state.resolve("id_ed25519.pub"));
        Path monitorLog = lab.dir().resolve("monitor-again.log");
        Process monitor = lab.start(server, monitorLog, operator("monitor", "--accept", fingerprint, "--timeout", "90"));
        assertTrue(monitor.waitFor(90, TimeUnit.SECONDS), "no request accepted" + Node.text(monitorLog) + Node.text(tunnelLog));
        assertEquals(0, monitor.exitValue(), Node.text(monitorLog));
        await(() -> Node.text(tunnelLog).split("walt-vpn: tunnel: up, tap", -1).length == 3, 60, "the tunnel back", tunnelLog);
        await(() -> "1".equals(waltServer.sys("/sys/class/net/tap1/carrier")), 30, "node-1's tap again", tunnelLog);
        // A new certificate, with a new serial: the revoked one stays in the KRL.
        Tools.Result cert = Tools.run("ssh-keygen", "-Lf", state.resolve("id_ed25519-cert.pub").toString());
        assertTrue(cert.stdout().contains("Serial: 2\n") && cert.stdout().contains("Key ID: \"walt-vpn:node-1:" + MAC + "\""), cert.stdout());
        Tools.Result krl = Tools.run("ssh-keygen", "-Q", "-l", "-f", BASE.resolve("state/revoked.krl").toString());
        assertEquals(List.of("serial: 1"), krl.stdout().lines().filter(l -> l.startsWith("serial")).toList(), krl.all());
        NetworkLab.stop(tunnel);
    }

    // --- the lab ---

    /** vpn-server init, the server's sshd with the drop-in, the daemon, and dnsmasq on walt-net. */
    private static void startServer() throws Exception {
        waltServer = LabServer.start(BASE, lab, server, SERVER_ADDR, 22, "walt-net");
        serverSshd = BASE.resolve("sshd.log");
        daemonLog = BASE.resolve("daemon.log");

        // The WalT server's side of walt-net: DHCP, registration, and the image's boot files by TFTP.
        lab.ok(server, "ip", "addr", "add", WALT_NET_ADDR + "/24", "dev", "walt-net");
        bootServer = WaltBootServer.start((cmd, log) -> lab.start(server, log, cmd), Files.createDirectories(lab.dir().resolve("walt-boot")),
                "walt-net", WALT_NET_ADDR, image, false);
    }

    /** The proxy's sshd, the script setup-proxy writes on the server, run on the proxy; returns the host keys it printed. */
    private static List<String> setUpProxy() throws Exception {
        proxySshd = LabSshd.start(lab, proxy, List.of());
        Path script = lab.dir().resolve("setup-proxy.sh");
        Tools.Result made = lab.run(server, waltServer.walt("vpn", "setup-proxy", "--state-dir", BASE.resolve("state").toString(),
                "--server-host-keys", waltServer.hostKeyDir().toString(), "--next", SERVER_ADDR + ":22", "-o", script.toString()));
        assertEquals(0, made.exit(), made.all());
        Tools.Result ran = lab.run(proxy, "sh", script.toString());
        assertEquals(0, ran.exit(), ran.all());
        List<String> keys = ran.stdout().lines().filter(l -> l.startsWith("host-key: ")).map(l -> l.substring("host-key: ".length())).toList();
        assertFalse(keys.isEmpty(), ran.stdout());
        return keys;
    }

    /** The node's boot partition as setup-node writes it, from the real templates, keys and CA. */
    private static void writeNodeSite(List<String> proxyHostKeys) throws Exception {
        site = Files.createDirectories(lab.dir().resolve("node-site"));
        state = lab.dir().resolve("node-state");
        String serverHostKey = String.join(" ",
                List.of(Files.readString(waltServer.hostKeyDir().resolve("ssh_host_ed25519_key.pub")).split(" ")).subList(0, 2));
        Map<String, Object> model = Map.of(
                "proxies", List.of(Map.of("host", PROXY_ADDR, "port", 22, "hostKeys", proxyHostKeys)),
                "server", Map.of("host", SERVER_ADDR, "port", 22, "hostKeys", List.of(serverHostKey)),
                "vm", Map.of("memory", 256, "cpus", 1),
                "statePath", state.toString(),
                "sitePath", site.toString());
        for (String f : List.of("ssh_config", "known_hosts", "vpn.conf")) {
            Files.writeString(site.resolve(f), Node.render(f + ".ftl", model));
        }
        Files.copy(BASE.resolve("state/bootstrap"), site.resolve("bootstrap"));
        Files.setPosixFilePermissions(site.resolve("bootstrap"), PosixFilePermissions.fromString("rw-r--r--")); // as on FAT
        Files.copy(BASE.resolve("state/ca.pub"), site.resolve("ca.pub"));
        Node.Sysfs sys = new Node.Sysfs(lab.dir().resolve("node-sys")).net("eth0", MAC, 0);
        nodeEnv.putAll(Map.of("WALT_VPN_STATE", state.toString(), "WALT_VPN_SITE", site.toString(),
                "WALT_VPN_SYSFS", sys.root.toString(), "WALT_VPN_RETRY_MIN", "1", "WALT_VPN_RETRY_MAX", "2",
                "WALT_VPN_BACKOFF_MIN", "1", "WALT_VPN_BACKOFF_MAX", "2", "HOME", node.home().toString()));
        // The node's clock is this machine's: never set it, whatever a test does.
        nodeEnv.putAll(Map.of("WALT_VPN_SET_CLOCK", "true", "WALT_VPN_TIMESYNC", lab.dir().resolve("no-timesync").toString()));
    }

    /** {@code walt vpn SUB} as the operator runs it on the server. */
    private static List<String> operator(String sub, String... more) {
        List<String> args = new ArrayList<>(List.of("vpn", sub));
        args.addAll(List.of(more));
        return waltServer.walt(args.toArray(String[]::new));
    }

    private static String fingerprintOf(Path publicKey) throws Exception {
        return Tools.run("ssh-keygen", "-lf", publicKey.toString()).stdout().split(" ")[1];
    }

    private static void await(BooleanSupplier condition, int seconds, String what, Path log) throws InterruptedException {
        Node.await(condition, seconds, what, () -> Node.text(log) + Node.text(proxySshd) + Node.text(serverSshd) + Node.text(daemonLog));
    }

    private static void ok(Tools.Result r) {
        assertEquals(0, r.exit(), r.all());
    }
}
