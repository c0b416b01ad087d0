package walt.vpn.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
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
 *
 * <p>p1's sshd is configured as Debian 12 ships it (an {@code Include} of sshd_config.d,
 * {@code UsePAM yes}, {@code X11Forwarding yes}) with what an admin may add (internal-sftp,
 * every forwarding and tunnels allowed), on a /run of its own where the script finds and reloads
 * it, and unprivileged ports start at 0 in its network namespace, as on container hosts. p2's
 * sshd has no Include, so only the key options bind the account there. p3 and p4 are
 * unlinked hosts where the script meets a drop-in that sshd does not apply, or rejects.
 */
class ProxyEndToEndTest {

    private static final String ONLY_FORWARD =
            "restrict,command=\"/bin/false\",port-forwarding,permitlisten=\"127.0.0.1:1\",permitopen=\"10.77.2.2:22\"";
    private static final String DROP_IN = "/etc/ssh/sshd_config.d/walt-vpn-proxy.conf";
    private static final String INCLUDE = "Include /etc/ssh/sshd_config.d/*.conf";

    /** Debian 12's sshd_config, with the internal-sftp line and allowances an admin may add. */
    private static final List<String> HOSTILE_SSHD = List.of(
            INCLUDE,
            "KbdInteractiveAuthentication no",
            "UsePAM yes",
            "X11Forwarding yes",
            "AllowAgentForwarding yes",
            "AllowTcpForwarding yes",
            "AllowStreamLocalForwarding yes",
            "GatewayPorts yes",
            "PermitTunnel yes",
            "PermitUserRC yes",
            "PrintMotd no",
            "AcceptEnv LANG LC_*",
            "Subsystem sftp internal-sftp");

    private static NetworkLab lab;
    private static NetworkLab.Host node;
    private static NetworkLab.Host p1;
    private static NetworkLab.Host p2;
    private static NetworkLab.Host server;
    private static NetworkLab.Host p3;
    private static NetworkLab.Host p4;
    private static Path keys;
    private static Path state;
    private static Path p1Script;
    private static String p1Output;
    private static Tools.Result p1Run;
    private static Tools.Result p2Run;
    private static Path p1Log;
    private static boolean p1Reloaded;
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
        state = Files.createDirectories(lab.dir().resolve("state"));
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
        p3 = lab.addHost("p3");
        p4 = lab.addHost("p4");
        lab.link(node, "10.77.1.1/24", p1, "10.77.1.2/24");
        lab.link(p1, "10.77.2.1/24", server, "10.77.2.2/24");
        lab.link(node, "10.77.3.1/24", p2, "10.77.3.2/24");
        lab.link(p2, "10.77.4.1/24", p1, "10.77.4.2/24");
        String login = Files.readString(keys.resolve("login.pub")).trim();
        LabSshd.start(lab, server, login);
        p1Log = LabSshd.startWithOwnRun(lab, p1, HOSTILE_SSHD);
        LabSshd.start(lab, p2, login);
        lab.ok(p1, "sysctl", "-q", "-w", "net.ipv4.ip_unprivileged_port_start=0");

        p1Script = generate("p1", state, "10.77.2.2");
        Path p2Script = generate("p2", state, "10.77.4.2:22");
        int reloads = LabSshd.reloads(p1Log);
        p1Run = runScript(p1, p1Script);
        p1Output = p1Run.stdout();
        // Connections while sshd restarts would be refused; a script that never reloads it fails
        // the tests that need the reload, not all of them.
        p1Reloaded = LabSshd.awaitReload(p1Log, reloads, 5000);
        p2Run = runScript(p2, p2Script);
        String p2Output = p2Run.stdout();

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
        assertRootOwnsTheKeys(p1);
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
        Path dropIn = p1.etcSsh().resolve("sshd_config.d/walt-vpn-proxy.conf");
        byte[] dropInBefore = Files.readAllBytes(dropIn);
        int reloads = LabSshd.reloads(p1Log);
        Tools.Result again = lab.run(p1, "sh", p1Script.toString());
        assertEquals(0, again.exit(), again.all());
        assertEquals("", again.stderr());
        assertArrayEquals(before, Files.readAllBytes(file));
        assertArrayEquals(dropInBefore, Files.readAllBytes(dropIn));
        // Nothing changed for sshd, so its connections are not cut by a restart.
        assertFalse(again.stdout().contains("reloaded"), again.stdout());
        assertEquals(reloads, LabSshd.reloads(p1Log));
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

    @Test
    void bootstrapKeyGetsNoUnixSocketListener() throws Exception {
        // port-forwarding grants stream-local -R too, and permitlisten binds TCP only.
        Path socket = Path.of("/tmp/walt-vpn-test-" + ProcessHandle.current().pid() + ".s.PGSQL.5432");
        try {
            Listening r = remoteForward("p1", socket + ":10.77.2.2:22", List.of("ss", "-lxn"), s -> s.contains(socket.toString()));
            assertRefused(r);
            assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "socket made on the proxy: " + r.proxy());
        } finally {
            Files.deleteIfExists(socket);
        }
    }

    @Test
    void bootstrapKeyGetsNoSftpFromInternalSftp() throws Exception {
        // internal-sftp runs inside sshd: the account's shell never gets a say.
        Path keysFile = p1.home().resolve("walt-vpn/.ssh/authorized_keys");
        byte[] before = Files.readAllBytes(keysFile);
        Tools.Result r = sftp("p1");
        assertNotEquals(0, r.exit(), r.all());
        assertFalse(Files.exists(lab.dir().resolve("sftp-got")), r.all());
        assertArrayEquals(before, Files.readAllBytes(keysFile));
    }

    @Test
    void accountCannotChangeItsKeys() throws Exception {
        Path keysFile = p1.home().resolve("walt-vpn/.ssh/authorized_keys");
        byte[] before = Files.readAllBytes(keysFile);
        // As the account itself, as it would be if anything ever ran for it.
        Tools.Result r = lab.run(p1, "setpriv", "--reuid=walt-vpn", "--regid=walt-vpn", "--init-groups", "/bin/sh", "-c", String.join("\n",
                "cd /home/walt-vpn || exit 1",
                "echo x >> .ssh/authorized_keys && echo appended",
                "chmod 0666 .ssh/authorized_keys && echo chmodded",
                "echo x > .ssh/authorized_keys2 && echo added-authorized_keys2",
                "rm -f .ssh/authorized_keys && echo removed",
                "mv .ssh .ssh-old && echo moved-ssh",
                "mkdir .ssh-new && echo made-in-home",
                "exit 0"));
        assertEquals(0, r.exit(), r.all());
        assertEquals("", r.stdout(), r.all());
        assertArrayEquals(before, Files.readAllBytes(keysFile));
        // Nor through sshd, whose forced command and shell run nothing.
        Tools.Result viaSsh = ssh("p1", "echo x >> .ssh/authorized_keys");
        assertNotEquals(0, viaSsh.exit(), viaSsh.all());
        assertArrayEquals(before, Files.readAllBytes(keysFile));
    }

    @Test
    void noTcpListenerWhereUnprivilegedPortsStartAtZero() throws Exception {
        // What made permitlisten="127.0.0.1:1" safe is gone on this proxy.
        assertEquals("0", lab.run(p1, "sysctl", "-n", "net.ipv4.ip_unprivileged_port_start").stdout().trim());
        for (String listen : List.of("127.0.0.1:1", "127.0.0.1:4446", "0.0.0.0:2")) {
            String port = ":" + listen.substring(listen.lastIndexOf(':') + 1) + " ";
            Listening r = remoteForward("p1", listen + ":10.77.2.2:22", List.of("ss", "-ltn"), s -> s.contains(port));
            assertRefused(r);
            assertFalse(r.proxy().contains(port), listen + ": " + r.proxy());
        }
    }

    @Test
    void noX11NorAgentForwardingWhereSshdAllowsThem() throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ssh", "-F", sshConfig.toString(), "-X", "-o", "ForwardX11=yes", "p1", "true"));
        Tools.Result r = lab.run(node, 30, Map.of("DISPLAY", "localhost:0"), cmd);
        assertTrue(r.stderr().contains("X11 forwarding request failed"), r.all());
        // sshd's own settings for the account, which hold even for keys without options.
        String applied = lab.ok(p1, "sshd", "-T", "-C", "user=walt-vpn,host=node,addr=10.77.1.1").stdout();
        for (String setting : List.of("x11forwarding no", "allowagentforwarding no", "permittty no", "permituserrc no")) {
            assertTrue(applied.lines().anyMatch(setting::equals), setting + " in\n" + applied);
        }
    }

    @Test
    void sshdConfinesTheAccountEvenIfItsKeysLoseTheirOptions() throws Exception {
        // What the sftp attack did to the keys of an install made before: the drop-in must hold alone.
        Path keysFile = p1.home().resolve("walt-vpn/.ssh/authorized_keys");
        byte[] kept = Files.readAllBytes(keysFile);
        try {
            Files.writeString(keysFile, Files.readString(lab.dir().resolve("state/bootstrap.pub")));
            Tools.Result x11 = lab.run(node, 30, Map.of("DISPLAY", "localhost:0"),
                    List.of("ssh", "-F", sshConfig.toString(), "-X", "-o", "ForwardX11=yes", "p1", "true"));
            assertTrue(x11.stderr().contains("X11 forwarding request failed"), x11.all());
            Listening tcp = remoteForward("p1", "127.0.0.1:4447:10.77.2.2:22", List.of("ss", "-ltn"), s -> s.contains(":4447 "));
            assertRefused(tcp);
            Path socket = Path.of("/tmp/walt-vpn-test-" + ProcessHandle.current().pid() + ".bare");
            try {
                assertRefused(remoteForward("p1", socket + ":10.77.2.2:22", List.of("ss", "-lxn"), s -> s.contains(socket.toString())));
                assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS));
            } finally {
                Files.deleteIfExists(socket);
            }
            Tools.Result sftp = sftp("p1");
            assertNotEquals(0, sftp.exit(), sftp.all());
            assertFalse(Files.exists(lab.dir().resolve("sftp-got")), sftp.all());
            Tools.Result shell = ssh("-tt", "p1");
            assertTrue(shell.stderr().contains("PTY allocation request failed"), shell.all());
            assertForwardProhibited("p1", "10.77.2.2:2222");
            assertForwardProhibited("p1", "127.0.0.1:22");
            Tools.Result allowed = ssh("-W", "10.77.2.2:22", "p1");
            assertTrue(allowed.stdout().startsWith("SSH-2.0-"), allowed.all());
        } finally {
            Files.write(keysFile, kept);
        }
    }

    @Test
    void keysBelongToRootAndForwardsStillPass() throws Exception {
        assertRootOwnsTheKeys(p1);
        assertRootOwnsTheKeys(p2);
        Tools.Result stat = lab.ok(p1, "stat", "-c", "%U:%G %a", DROP_IN);
        assertEquals("root:root 644\n", stat.stdout());
        // A forced command binds sessions only: a forward opens none.
        Tools.Result allowed = ssh("-W", "10.77.2.2:22", "p1");
        assertTrue(allowed.stdout().startsWith("SSH-2.0-"), allowed.all());
        assertLogsInThrough("server");
        assertLogsInThrough("server-via-chain");
    }

    @Test
    void installWhereTheAccountOwnedItsKeysIsFixedByRunningAgain() throws Exception {
        lab.ok(p1, "chown", "walt-vpn:", "/home/walt-vpn", "/home/walt-vpn/.ssh", "/home/walt-vpn/.ssh/authorized_keys");
        lab.ok(p1, "chmod", "0700", "/home/walt-vpn", "/home/walt-vpn/.ssh");
        lab.ok(p1, "chmod", "0600", "/home/walt-vpn/.ssh/authorized_keys");
        // What a holder of the bootstrap key could leave behind on such an install.
        Path planted = p1.home().resolve("walt-vpn/.ssh/authorized_keys2");
        Files.writeString(planted, Files.readString(keys.resolve("stranger.pub")));
        lab.ok(p1, "chown", "walt-vpn:", "/home/walt-vpn/.ssh/authorized_keys2");
        Tools.Result again = lab.run(p1, "sh", p1Script.toString());
        assertEquals(0, again.exit(), again.all());
        assertRootOwnsTheKeys(p1);
        assertFalse(Files.exists(planted, LinkOption.NOFOLLOW_LINKS), "authorized_keys2 left");
        assertTrue(again.stderr().contains("setup-proxy: warning: removed /home/walt-vpn/.ssh/authorized_keys2"), again.all());
    }

    @Test
    void scriptWritesTheDropInAndReloadsTheProxysSshd() throws Exception {
        assertEquals("", p1Run.stderr(), "p1's sshd applies every setting");
        assertTrue(p1Output.contains("setup-proxy: sshd reloaded (kill -HUP "), p1Output);
        assertTrue(p1Reloaded, "p1's sshd got no SIGHUP");
        List<String> dropIn = Files.readAllLines(p1.etcSsh().resolve("sshd_config.d/walt-vpn-proxy.conf"));
        assertEquals("Match User walt-vpn", dropIn.get(1));
        assertEquals("Match all", dropIn.get(dropIn.size() - 1));
        assertTrue(dropIn.contains("\tPermitOpen 10.77.2.2:22"), dropIn.toString());
        String applied = lab.ok(p1, "sshd", "-T", "-C", "user=walt-vpn,host=node,addr=10.77.1.1").stdout();
        for (String setting : List.of("allowtcpforwarding local", "allowstreamlocalforwarding no", "permitlisten none",
                "permitopen 10.77.2.2:22", "gatewayports no", "permittunnel no", "forcecommand /bin/false",
                "authenticationmethods publickey", "authorizedkeysfile .ssh/authorized_keys")) {
            assertTrue(applied.lines().anyMatch(setting::equals), setting + " in\n" + applied);
        }
        // Other accounts keep the admin's settings: Match all ended the block.
        String others = lab.ok(p1, "sshd", "-T", "-C", "user=root,host=node,addr=10.77.1.1").stdout();
        assertTrue(others.lines().anyMatch("x11forwarding yes"::equals), others);
        assertTrue(others.lines().anyMatch("subsystem sftp internal-sftp"::equals), others);
    }

    @Test
    void proxyWhoseSshdReadsNoDropInGetsAWarning() throws Exception {
        String warnings = p2Run.stderr();
        assertTrue(warnings.contains("setup-proxy: warning: /etc/ssh/sshd_config has no Include of /etc/ssh/sshd_config.d"), warnings);
        assertTrue(warnings.contains("-R listeners") && warnings.contains("Unix sockets") && warnings.contains("127.0.0.1:1"), warnings);
        assertTrue(warnings.contains("setup-proxy: warning: add the line '" + INCLUDE + "' at the top of /etc/ssh/sshd_config"), warnings);
        assertFalse(Files.exists(p2.etcSsh().resolve("sshd_config.d/walt-vpn-proxy.conf")), "a drop-in sshd does not read");
    }

    @Test
    void dropInThatSshdDoesNotApplyGetsAWarning() throws Exception {
        LabSshd.startWithOwnRun(lab, p3, List.of(INCLUDE, "UsePAM no"));
        // Files of sshd_config.d are read in name order, and sshd keeps the first value it reads.
        NetworkLab.write(p3.etcSsh().resolve("sshd_config.d/00-admin.conf"),
                "Match User walt-vpn\n\tAllowStreamLocalForwarding yes\n\tPermitListen any\nMatch all\n");
        Tools.Result r = lab.run(p3, "sh", generate("p3", state, "10.77.2.2").toString());
        assertEquals(0, r.exit(), r.all());
        assertTrue(r.stderr().contains("setup-proxy: warning: sshd does not apply these settings of " + DROP_IN
                + " to walt-vpn (an earlier Match block or drop-in sets them first): allowstreamlocalforwarding no, permitlisten none\n"), r.all());
        assertTrue(r.stderr().contains("-R listeners"), r.all());
    }

    @Test
    void dropInThatSshdRejectsIsRemovedAndNothingIsEnabled() throws Exception {
        LabSshd.startWithOwnRun(lab, p4, List.of(INCLUDE, "UsePAM no"));
        // An sshd too old for one of the drop-in's settings says so on sshd -t.
        Path bin = Files.createDirectories(lab.dir().resolve("old-sshd"));
        NetworkLab.write(bin.resolve("sshd"), String.join("\n", "#!/bin/sh",
                "if [ \"$1\" = -t ] && [ -e " + DROP_IN + " ]; then",
                "  echo '" + DROP_IN + ": line 7: Bad configuration option: PermitListen' >&2",
                "  exit 255",
                "fi",
                "exec /usr/sbin/sshd \"$@\"", ""));
        lab.ok(p4, "chmod", "0755", bin.resolve("sshd").toString());
        Tools.Result r = lab.run(p4, 60, Map.of("PATH", bin + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
                List.of("sh", generate("p4", state, "10.77.2.2").toString()));
        assertEquals(1, r.exit(), r.all());
        assertTrue(r.stderr().startsWith("setup-proxy: sshd -t rejects " + DROP_IN + ", so it was removed and sshd left as it was: "
                + DROP_IN + ": line 7: Bad configuration option: PermitListen"), r.all());
        assertFalse(Files.exists(p4.etcSsh().resolve("sshd_config.d/walt-vpn-proxy.conf")));
        try (var left = Files.list(p4.etcSsh().resolve("sshd_config.d"))) {
            assertEquals(List.of(), left.toList(), "no temporary file left");
        }
        // Fails closed: the keys are not enabled on a proxy whose sshd would not confine them.
        assertFalse(Files.exists(p4.home().resolve("walt-vpn/.ssh/authorized_keys")));
    }

    private static Path generate(String name, Path state, String next) throws Exception {
        Path script = lab.dir().resolve(name + "-setup.sh");
        Tools.Result r = WaltMain.run("vpn", "setup-proxy", "--state-dir", state.toString(), "--next", next,
                "--server-host-keys", server.etcSsh().toString(), "-o", script.toString());
        assertEquals(0, r.exit(), r.all());
        return script;
    }

    private static Tools.Result runScript(NetworkLab.Host host, Path script) throws Exception {
        Tools.Result r = lab.run(host, "sh", script.toString());
        if (r.exit() != 0) {
            throw new IOException("setup script failed on " + host.namespace() + ": " + r.all());
        }
        return r;
    }

    private static void assertRootOwnsTheKeys(NetworkLab.Host host) throws Exception {
        Tools.Result stat = lab.run(host, "stat", "-c", "%n %U:%G %a", "/home/walt-vpn", "/home/walt-vpn/.ssh",
                "/home/walt-vpn/.ssh/authorized_keys");
        assertEquals("/home/walt-vpn root:root 755\n/home/walt-vpn/.ssh root:root 755\n/home/walt-vpn/.ssh/authorized_keys root:root 644\n",
                stat.stdout(), host.namespace() + ": " + stat.all());
    }

    /** What became of a -R request: whether ssh ended, how, and what the proxy listened on meanwhile. */
    private record Listening(boolean ended, int exit, String ssh, String proxy) {
    }

    /**
     * Asks for a -R listener on p1 with ssh -N in the background, which ends at once when refused
     * and keeps running when granted: watches the proxy with {@code probe} until ssh ends or
     * {@code listening} sees the listener, then stops ssh.
     */
    private static Listening remoteForward(String alias, String spec, List<String> probe, Predicate<String> listening) throws Exception {
        Path log = Files.createTempFile(lab.dir(), "ssh-R-", ".log");
        Process p = lab.start(node, log, List.of("ssh", "-F", sshConfig.toString(), "-o", "ExitOnForwardFailure=yes", "-N", "-R", spec, alias));
        try {
            long deadline = System.nanoTime() + 10_000_000_000L;
            String seen;
            boolean ended;
            do {
                ended = !p.isAlive();
                seen = lab.run(p1, probe).stdout();
                if (ended || listening.test(seen)) {
                    break;
                }
                Thread.sleep(100);
            } while (System.nanoTime() < deadline);
            return new Listening(ended, ended ? p.exitValue() : -1, spec + ": " + Files.readString(log), seen);
        } finally {
            NetworkLab.stop(p);
        }
    }

    private static void assertRefused(Listening r) {
        assertTrue(r.ended(), "ssh still runs, its -R granted: " + r.ssh() + "\nproxy: " + r.proxy());
        assertNotEquals(0, r.exit(), r.ssh());
        assertTrue(r.ssh().contains("remote port forwarding failed"), r.ssh());
    }

    /** sftp with the bootstrap key: fetch the proxy's account list, replace the account's keys. */
    private static Tools.Result sftp(String alias) throws Exception {
        Path got = lab.dir().resolve("sftp-got");
        Files.deleteIfExists(got);
        Path batch = NetworkLab.write(lab.dir().resolve("sftp-batch"), String.join("\n",
                "get /etc/passwd " + got,
                "put " + keys.resolve("stranger.pub") + " .ssh/authorized_keys", ""));
        return lab.run(node, "sftp", "-F", sshConfig.toString(), "-b", batch.toString(), alias);
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
