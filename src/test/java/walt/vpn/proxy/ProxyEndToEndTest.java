package walt.vpn.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import walt.vpn.testing.LabSshd;
import walt.vpn.testing.NetworkLab;
import walt.vpn.testing.Tools;
import walt.vpn.testing.WaltMain;

/**
 * The generated script on real machines: network namespaces joined by veth pairs, a real sshd
 * on each proxy and on the server, the real ssh client on the node.
 *
 * <pre>
 *   node 10.77.1.1 -- 10.77.1.2 p1 10.77.2.1 -- 10.77.2.2 server
 *   node 10.77.3.1 -- 10.77.3.2 p2 10.77.4.1 -- 10.77.4.2 p1     (chain: node, p2, p1, server)
 * </pre>
 *
 * Each host has its own /etc, /home and /etc/ssh: the script makes walt-vpn there, never on
 * this machine, and finds no walt-vpn there even if this machine has one.
 */
class ProxyEndToEndTest {

    private static final String ONLY_FORWARD = "restrict,port-forwarding,permitlisten=\"127.0.0.1:1\",permitopen=\"10.77.2.2:22\"";

    private static NetworkLab lab;
    private static NetworkLab.Host node;
    private static NetworkLab.Host p1;
    private static NetworkLab.Host p2;
    private static NetworkLab.Host server;
    private static Path keys;
    private static Path p1Script;
    private static String p1Output;
    private static Path sshConfig;

    @BeforeAll
    static void buildLab() throws Exception {
        Tools.require("sshd");
        Tools.require("ssh");
        Tools.require("ssh-keygen");
        Tools.require("useradd");
        lab = NetworkLab.open("proxy-e2e", "walt-vpn");
        keys = lab.dir().resolve("keys");
        Files.createDirectories(keys);
        Path state = Files.createDirectories(lab.dir().resolve("state"));
        TestKeys.ed25519(state.resolve("bootstrap"));
        TestKeys.ed25519(state.resolve("ca"));
        TestKeys.ed25519(keys.resolve("login"));
        TestKeys.ed25519(keys.resolve("node"));
        TestKeys.ed25519(keys.resolve("stranger"));
        TestKeys.certify(keys.resolve("node.pub"), state.resolve("ca"), "walt-vpn-node,node-7");
        TestKeys.certify(keys.resolve("stranger.pub"), state.resolve("ca"), "node-8");

        node = lab.addHost("node");
        p1 = lab.addHost("p1");
        p2 = lab.addHost("p2");
        server = lab.addHost("server");
        lab.link(node, "10.77.1.1/24", p1, "10.77.1.2/24");
        lab.link(p1, "10.77.2.1/24", server, "10.77.2.2/24");
        lab.link(node, "10.77.3.1/24", p2, "10.77.3.2/24");
        lab.link(p2, "10.77.4.1/24", p1, "10.77.4.2/24");
        String login = Files.readString(keys.resolve("login.pub")).trim();
        LabSshd.start(lab, server, login);
        LabSshd.start(lab, p1, login);
        LabSshd.start(lab, p2, login);

        p1Script = generate("p1", state, "10.77.2.2");
        Path p2Script = generate("p2", state, "10.77.4.2:22");
        p1Output = runScript(p1, p1Script);
        String p2Output = runScript(p2, p2Script);

        List<String> knownHosts = new ArrayList<>();
        knownHosts.addAll(pins(p1Output, "10.77.1.2"));
        knownHosts.addAll(pins(p1Output, "10.77.4.2"));
        knownHosts.addAll(pins(p2Output, "10.77.3.2"));
        knownHosts.add("10.77.2.2 " + Files.readString(server.etcSsh().resolve("ssh_host_ed25519_key.pub")).trim());
        Path knownHostsFile = NetworkLab.write(keys.resolve("known_hosts"), String.join("\n", knownHosts) + "\n");
        sshConfig = NetworkLab.write(keys.resolve("ssh_config"), String.join("\n",
                "Host p1", "  HostName 10.77.1.2", "  User walt-vpn", "  IdentityFile " + state.resolve("bootstrap"),
                "Host p1-cert", "  HostName 10.77.1.2", "  User walt-vpn", "  IdentityFile " + keys.resolve("node"),
                "  CertificateFile " + keys.resolve("node-cert.pub"),
                "Host p1-stranger", "  HostName 10.77.1.2", "  User walt-vpn", "  IdentityFile " + keys.resolve("stranger"),
                "  CertificateFile " + keys.resolve("stranger-cert.pub"),
                "Host p2", "  HostName 10.77.3.2", "  User walt-vpn", "  IdentityFile " + state.resolve("bootstrap"),
                "Host p1-via-p2", "  HostName 10.77.4.2", "  User walt-vpn", "  IdentityFile " + state.resolve("bootstrap"),
                "  ProxyJump p2",
                "Host server", "  HostName 10.77.2.2", "  User root", "  IdentityFile " + keys.resolve("login"), "  ProxyJump p1",
                "Host server-via-cert", "  HostName 10.77.2.2", "  User root", "  IdentityFile " + keys.resolve("login"),
                "  ProxyJump p1-cert",
                "Host server-via-chain", "  HostName 10.77.2.2", "  User root", "  IdentityFile " + keys.resolve("login"),
                "  ProxyJump p1-via-p2",
                "Host *", "  IdentitiesOnly yes", "  BatchMode yes", "  StrictHostKeyChecking yes", "  ConnectTimeout 5",
                "  UserKnownHostsFile " + knownHostsFile, "  ForwardAgent no", "  ControlMaster no", ""));
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void bootstrapKeyReachesTheServerThroughTheProxy() throws Exception {
        assertLogsInThrough("server");
    }

    @Test
    void bootstrapKeyOpensExactlyTheNextHop() throws Exception {
        Tools.Result allowed = ssh("-W", "10.77.2.2:22", "p1");
        assertTrue(allowed.stdout().startsWith("SSH-2.0-"), allowed.all());
        for (String other : List.of("10.77.2.2:2222", "10.77.2.1:22", "10.77.1.2:22", "127.0.0.1:22", "localhost:22")) {
            assertForwardProhibited("p1", other);
        }
    }

    @Test
    void bootstrapKeyGetsNoCommandNoShellNoPty() throws Exception {
        Tools.Result command = ssh("p1", "echo", "ran-a-command");
        assertNotEquals(0, command.exit());
        assertFalse(command.stdout().contains("ran-a-command"), command.all());
        Tools.Result shell = ssh("-tt", "p1");
        assertNotEquals(0, shell.exit());
        assertTrue(shell.stderr().contains("PTY allocation request failed"), shell.all());
    }

    @Test
    void bootstrapKeyGetsNoAgentForwarding() throws Exception {
        // sshd tells the client which key options it granted; agent forwarding must not be one.
        Tools.Result r = ssh("-v", "-o", "ForwardAgent=yes", "p1", "true");
        String granted = r.stderr().lines().filter(l -> l.contains("key options:")).findFirst().orElse("");
        assertTrue(granted.contains("port-forwarding") && granted.contains("permitopen"), r.all());
        assertFalse(granted.contains("agent-forwarding"), granted);
        assertFalse(granted.contains("pty"), granted);
    }

    @Test
    void bootstrapKeyListensNowhereOnTheProxy() throws Exception {
        for (String listen : List.of("127.0.0.1:4444", "4445", "127.0.0.1:1")) {
            Tools.Result r = ssh("-o", "ExitOnForwardFailure=yes", "-R", listen + ":10.77.2.2:22", "-N", "p1");
            assertNotEquals(0, r.exit(), listen + ": " + r.all());
            assertTrue(r.stderr().contains("remote port forwarding failed"), listen + ": " + r.all());
        }
        String listening = lab.run(p1, "ss", "-ltn").stdout();
        assertFalse(listening.contains(":4444 ") || listening.contains(":4445 ") || listening.contains(":1 "), listening);
    }

    @Test
    void bootstrapKeyGetsNoTunnel() throws Exception {
        Tools.Result r = ssh("-o", "ExitOnForwardFailure=yes", "-o", "Tunnel=ethernet", "-w", "any:any", "-N", "p1");
        assertNotEquals(0, r.exit(), r.all());
        assertTrue(r.stderr().contains("Tunnel forwarding failed") || r.stderr().contains("tunnel"), r.all());
        String links = lab.run(p1, "ip", "-o", "link").stdout();
        assertFalse(links.contains("tap") || links.contains("tun"), links);
    }

    @Test
    void nodeCertificateWithTheProxyPrincipalPasses() throws Exception {
        assertLogsInThrough("server-via-cert");
        assertForwardProhibited("p1-cert", "10.77.2.2:2222");
    }

    @Test
    void certificateWithAnotherPrincipalIsRefused() throws Exception {
        Tools.Result r = ssh("-W", "10.77.2.2:22", "p1-stranger");
        assertNotEquals(0, r.exit());
        assertFalse(r.stdout().contains("SSH-2.0-"), r.all());
        assertTrue(r.stderr().contains("Permission denied"), r.all());
    }

    @Test
    void chainOfTwoProxiesReachesTheServer() throws Exception {
        assertLogsInThrough("server-via-chain");
        // The entrypoint forwards to the second proxy only, not around it to the server.
        assertForwardProhibited("p2", "10.77.2.2:22");
    }

    @Test
    void authorizedKeysHoldExactlyTheTwoLines() throws Exception {
        Path ssh = p1.home().resolve("walt-vpn/.ssh");
        Path file = ssh.resolve("authorized_keys");
        String bootstrap = Files.readString(lab.dir().resolve("state/bootstrap.pub")).split(" ")[1];
        String ca = Files.readString(lab.dir().resolve("state/ca.pub")).split(" ")[1];
        assertEquals(List.of(
                ONLY_FORWARD + " ssh-ed25519 " + bootstrap + " walt-vpn-bootstrap",
                "cert-authority,principals=\"walt-vpn-node\"," + ONLY_FORWARD + " ssh-ed25519 " + ca + " walt-vpn-ca"),
                Files.readAllLines(file));
        // Owners as the proxy names them: its accounts are in its own /etc.
        Tools.Result stat = lab.run(p1, "stat", "-c", "%n %U %a", "/home/walt-vpn/.ssh", "/home/walt-vpn/.ssh/authorized_keys");
        assertEquals("/home/walt-vpn/.ssh walt-vpn 700\n/home/walt-vpn/.ssh/authorized_keys walt-vpn 600\n", stat.stdout(), stat.all());
        try (var left = Files.list(ssh)) {
            assertEquals(List.of(file), left.toList(), "no temporary file left");
        }
    }

    @Test
    void accountHasNoShellAndNoPassword() throws Exception {
        String[] passwd = lab.run(p1, "getent", "passwd", "walt-vpn").stdout().trim().split(":");
        assertEquals("/home/walt-vpn", passwd[5]);
        assertTrue(passwd[6].endsWith("/nologin") || passwd[6].endsWith("/false"), passwd[6]);
        // '*', not the locked '!', which sshd without PAM refuses even for keys.
        assertEquals("*", lab.run(p1, "getent", "shadow", "walt-vpn").stdout().split(":")[1]);
    }

    @Test
    void scriptPrintsTheProxyHostKeysToPin() throws Exception {
        String pub = Files.readString(p1.etcSsh().resolve("ssh_host_ed25519_key.pub")).trim();
        String[] fields = pub.split(" ");
        assertTrue(p1Output.lines().anyMatch(l -> l.equals("host-key: " + fields[0] + " " + fields[1])), p1Output);
        String fingerprint = Tools.run("ssh-keygen", "-lf", p1.etcSsh().resolve("ssh_host_ed25519_key.pub").toString()).stdout().trim();
        assertTrue(p1Output.lines().anyMatch(l -> l.equals("fingerprint: " + fingerprint)), p1Output);
    }

    @Test
    void runningTheScriptAgainChangesNothing() throws Exception {
        Path file = p1.home().resolve("walt-vpn/.ssh/authorized_keys");
        byte[] before = Files.readAllBytes(file);
        String passwd = lab.run(p1, "getent", "passwd", "walt-vpn").stdout();
        String shadow = lab.run(p1, "getent", "shadow", "walt-vpn").stdout();
        Tools.Result again = lab.run(p1, "sh", p1Script.toString());
        assertEquals(0, again.exit(), again.all());
        assertArrayEquals(before, Files.readAllBytes(file));
        assertEquals(passwd, lab.run(p1, "getent", "passwd", "walt-vpn").stdout());
        assertEquals(shadow, lab.run(p1, "getent", "shadow", "walt-vpn").stdout());
        assertEquals("1", lab.run(p1, "grep", "-c", "^walt-vpn:", "/etc/passwd").stdout().trim());
    }

    @Test
    void scriptRefusesToRunOnTheServer() throws Exception {
        Tools.Result r = lab.run(server, "sh", p1Script.toString());
        assertEquals(1, r.exit(), r.all());
        assertEquals("setup-proxy: this is the WalT server itself; run this script on the proxy\n", r.stderr());
        assertFalse(Files.exists(server.home().resolve("walt-vpn")), "nothing written on the server");
    }

    private static Path generate(String name, Path state, String next) throws Exception {
        Path script = lab.dir().resolve(name + "-setup.sh");
        Tools.Result r = WaltMain.run("vpn", "setup-proxy", "--state-dir", state.toString(), "--next", next,
                "--server-host-keys", server.etcSsh().toString(), "-o", script.toString());
        assertEquals(0, r.exit(), r.all());
        return script;
    }

    private static String runScript(NetworkLab.Host host, Path script) throws Exception {
        Tools.Result r = lab.run(host, "sh", script.toString());
        if (r.exit() != 0) {
            throw new IOException("setup script failed on " + host.namespace() + ": " + r.all());
        }
        return r.stdout();
    }

    /** known_hosts lines from the script's {@code host-key:} lines: the format setup-node reads. */
    private static List<String> pins(String output, String address) {
        List<String> lines = output.lines().filter(l -> l.startsWith("host-key: "))
                .map(l -> address + " " + l.substring("host-key: ".length())).toList();
        assertFalse(lines.isEmpty(), output);
        return lines;
    }

    /** Logs in to the server's sshd (its pinned host key proves which machine answered) through the named hop. */
    private static void assertLogsInThrough(String serverAlias) throws Exception {
        Tools.Result r = ssh(serverAlias, "echo", "reached-" + serverAlias);
        assertEquals(0, r.exit(), r.all());
        assertEquals("reached-" + serverAlias + "\n", r.stdout());
    }

    private static void assertForwardProhibited(String proxy, String target) throws Exception {
        Tools.Result r = ssh("-W", target, proxy);
        assertFalse(r.stdout().contains("SSH-2.0-"), proxy + " to " + target + ": " + r.all());
        assertTrue(r.stderr().contains("administratively prohibited"), proxy + " to " + target + ": " + r.all());
    }

    private static Tools.Result ssh(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ssh", "-F", sshConfig.toString()));
        cmd.addAll(List.of(args));
        return lab.run(node, cmd);
    }


}
