package walt.vpn.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import walt.vpn.testing.LabSshd;
import walt.vpn.testing.NetworkLab;
import walt.vpn.testing.Tools;
import walt.vpn.testing.WaltMain;

/**
 * {@code setup-proxy --install} (jsch) from the operator's namespace to a real sshd: the
 * proxy, and the server, where the script refuses to run and that refusal comes back.
 *
 * <pre>
 *   operator 10.77.5.1 -- 10.77.5.2 proxy
 *   operator 10.77.6.1 -- 10.77.6.2 server
 * </pre>
 */
class SetupProxyInstallTest {

    private static NetworkLab lab;
    private static NetworkLab.Host operator;
    private static NetworkLab.Host proxy;
    private static NetworkLab.Host server;
    private static Path home;
    private static Path state;
    private static String proxyHostKey;
    private static String serverHostKey;

    @BeforeAll
    static void buildLab() throws Exception {
        Tools.require("sshd");
        Tools.require("ssh-keygen");
        Tools.require("useradd");
        lab = NetworkLab.open("proxy-install", "walt-vpn");
        state = Files.createDirectories(lab.dir().resolve("state"));
        TestKeys.ed25519(state.resolve("bootstrap"));
        TestKeys.ed25519(state.resolve("ca"));
        home = lab.dir().resolve("operator-home");
        Files.createDirectories(home.resolve(".ssh"));
        TestKeys.ed25519(home.resolve(".ssh/id_ed25519"));
        operator = lab.addHost("operator");
        proxy = lab.addHost("proxy");
        server = lab.addHost("server");
        lab.link(operator, "10.77.5.1/24", proxy, "10.77.5.2/24");
        lab.link(operator, "10.77.6.1/24", server, "10.77.6.2/24");
        String login = Files.readString(home.resolve(".ssh/id_ed25519.pub")).trim();
        LabSshd.start(lab, proxy, login);
        LabSshd.start(lab, server, login);
        proxyHostKey = Files.readString(proxy.etcSsh().resolve("ssh_host_ed25519_key.pub")).trim();
        serverHostKey = Files.readString(server.etcSsh().resolve("ssh_host_ed25519_key.pub")).trim();
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void installRunsTheScriptOnTheProxyAndRelaysItsOutput() throws Exception {
        knownHosts("10.77.5.2 " + proxyHostKey);
        // Debian's ssh writes hashed host names (HashKnownHosts yes): the usual file to read.
        Tools.Result hashed = Tools.run("ssh-keygen", "-H", "-f", home.resolve(".ssh/known_hosts").toString());
        assertEquals(0, hashed.exit(), hashed.all());
        assertFalse(Files.readString(home.resolve(".ssh/known_hosts")).contains("10.77.5.2"));
        Tools.Result r = install("root@10.77.5.2");
        assertEquals(0, r.exit(), r.all());
        String[] key = proxyHostKey.split(" ");
        assertTrue(r.stdout().lines().anyMatch(l -> l.equals("host-key: " + key[0] + " " + key[1])), r.all());
        assertFalse(r.stdout().contains("#!/bin/sh"), "the script itself is not printed");
        List<String> lines = Files.readAllLines(proxy.home().resolve("walt-vpn/.ssh/authorized_keys"));
        assertEquals(2, lines.size());
        assertTrue(lines.get(0).contains("permitopen=\"10.77.6.2:22\""), lines.get(0));
    }

    @Test
    void otherUsersRunItThroughSudo() throws Exception {
        Tools.Result r = installAsOperator("op", "op ALL=(root) NOPASSWD: ALL");
        assertEquals(0, r.exit(), r.all());
        assertTrue(r.stdout().contains("host-key: ssh-ed25519 "), r.all());
    }

    @Test
    void sudoAskingForAPasswordFailsAtOnce() throws Exception {
        Tools.Result r = installAsOperator("op2", "op2 ALL=(root) ALL");
        assertEquals(1, r.exit(), r.all());
        assertTrue(r.stderr().contains("sudo: a password is required"), r.all());
        assertFalse(r.stdout().contains("host-key:"), r.all());
    }

    @Test
    void scriptsExitStatusAndErrorsComeBack() throws Exception {
        knownHosts("10.77.6.2 " + serverHostKey);
        Tools.Result r = install("root@10.77.6.2");
        assertEquals(1, r.exit(), r.all());
        assertEquals("setup-proxy: this is the WalT server itself; run this script on the proxy\n", r.stderr());
    }

    @Test
    void unknownHostIsRefusedBeforeAnythingRuns() throws Exception {
        knownHosts("10.77.5.2 " + proxyHostKey);
        String error = refusedBeforeRunning("root@10.77.6.2");
        assertTrue(error.startsWith("walt: the host key of 10.77.6.2 is not in "), error);
        assertTrue(error.contains("ssh -p 22 root@10.77.6.2"), error);
    }

    @Test
    void changedHostKeyIsRefused() throws Exception {
        // The proxy's key recorded for the server's address: what an impostor would present.
        knownHosts("10.77.6.2 " + proxyHostKey);
        String error = refusedBeforeRunning("root@10.77.6.2");
        assertTrue(error.startsWith("walt: the host key of 10.77.6.2 differs from the one in "), error);
    }

    @Test
    void badDestinationIsRefusedOnOneLine() throws Exception {
        for (String bad : List.of("10.77.5.2", "root@host;id", "ro'ot@10.77.5.2", "root@10.77.5.2:0")) {
            Tools.Result r = install(bad);
            assertEquals(2, r.exit(), bad + ": " + r.all());
            assertEquals(1, r.stderr().lines().count(), r.stderr());
        }
    }

    /** The one-line error of an install that must not reach the script (which would say it is on the server). */
    private static String refusedBeforeRunning(String destination) throws Exception {
        Tools.Result r = install(destination);
        assertEquals(1, r.exit(), r.all());
        assertEquals(1, r.stderr().lines().count(), r.stderr());
        assertFalse(r.stderr().contains("WalT server itself"), "the script must not have run");
        return r.stderr();
    }

    /** Installs on the proxy as {@code user}, a login with the operator's key and the given sudoers line. */
    private static Tools.Result installAsOperator(String user, String sudoers) throws Exception {
        Tools.require("sudo");
        Path keys = proxy.home().resolve(user + "/.ssh/authorized_keys");
        // '*': sshd without PAM refuses locked ('!') accounts.
        check(lab.run(proxy, "useradd", "-m", "-s", "/bin/sh", "-p", "*", user));
        NetworkLab.write(keys, Files.readString(home.resolve(".ssh/id_ed25519.pub")));
        check(lab.run(proxy, "chown", "-R", user + ":", "/home/" + user + "/.ssh"));
        check(lab.run(proxy, "sh", "-c", "printf '%s\\n' \"$1\" > /etc/sudoers.d/$2 && chmod 0440 /etc/sudoers.d/$2", "sh", sudoers, user));
        knownHosts("10.77.5.2 " + proxyHostKey);
        return install(user + "@10.77.5.2");
    }

    private static void check(Tools.Result r) {
        assertEquals(0, r.exit(), r.all());
    }

    private static void knownHosts(String line) throws Exception {
        NetworkLab.write(home.resolve(".ssh/known_hosts"), line + "\n");
    }

    /** Runs as the operator would, with ~/.ssh/id_ed25519 and ~/.ssh/known_hosts from {@code home}. */
    private static Tools.Result install(String destination) throws Exception {
        return lab.run(operator, WaltMain.command(List.of("-Duser.home=" + home),
                "vpn", "setup-proxy", "--state-dir", state.toString(), "--next", "10.77.6.2",
                "--server-host-keys", server.etcSsh().toString(), "--install", destination));
    }

}
