package walt.vpn.proxy;

import walt.vpn.ssh.NextHop;
import walt.vpn.ssh.SshPublicKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import walt.vpn.testing.Tools;
import walt.vpn.testing.WaltMain;

/** {@code walt vpn setup-proxy} as a command: what it writes, and what it refuses. */
class SetupProxyScriptTest {

    private static final String ED25519_BLOB = "AAAAC3NzaC1lZDI1NTE5AAAAIK6EP5JDHzwoB1YVS2zw0Ic0LiNLOfHbVTzeFAoxvp1t";
    private static final String ED25519 = "ssh-ed25519 " + ED25519_BLOB;
    private static final String CA = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH3LPU0I/xKcDX47dnBAdgVU4gTvTltVfdcZjej+H3ld";
    private static final String HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFBpC/9VpWKBiXWGM4IwQ8colam/ZrHwd6bmd/f1a9Uu";

    @TempDir
    static Path dir;
    private static Path state;
    private static Path hostKeys;

    @BeforeAll
    static void serverState() throws Exception {
        state = Files.createDirectories(dir.resolve("state"));
        Files.writeString(state.resolve("bootstrap.pub"), ED25519 + " root@server\n");
        Files.writeString(state.resolve("ca.pub"), CA + " walt-vpn-ca\n");
        hostKeys = Files.createDirectories(dir.resolve("etc-ssh"));
        Files.writeString(hostKeys.resolve("ssh_host_ed25519_key.pub"), HOST_KEY + " root@server\n");
    }

    @Test
    void scriptIsShellcheckClean() throws Exception {
        Tools.require("shellcheck");
        Path script = dir.resolve("clean.sh");
        Tools.Result made = setupProxy("--next", "server.example.org:2222", "-o", script.toString());
        assertEquals(0, made.exit(), made.all());
        Tools.Result check = Tools.run("shellcheck", "-s", "sh", script.toString());
        assertEquals(0, check.exit(), check.all());
    }

    @Test
    void outputFileIsExecutableAndHoldsTheValues() throws Exception {
        Path script = dir.resolve("values.sh");
        Tools.Result made = setupProxy("--next", "Server.Example.ORG", "-o", script.toString());
        assertEquals(0, made.exit(), made.all());
        assertEquals("", made.stdout());
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(script)));
        String text = Files.readString(script);
        assertTrue(text.startsWith("#!/bin/sh\n"), text);
        // ProxyJump asks for the host in lower case; permitopen compares text.
        assertTrue(text.contains("\nnext_hop='server.example.org:22'\n"), text);
        assertTrue(text.contains("\nbootstrap_key='" + ED25519 + " walt-vpn-bootstrap'\n"), text);
        assertTrue(text.contains("\nca_key='" + CA + " walt-vpn-ca'\n"), text);
        String fingerprint = new SshPublicKey("ssh-ed25519", HOST_KEY.split(" ")[1]).fingerprint();
        assertTrue(text.contains("\nserver_fingerprints='" + fingerprint + "'\n"), text);
        try (var left = Files.list(dir)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith(".values.sh")), "no temporary file left");
        }
    }

    @Test
    void fingerprintIsTheOneSshKeygenShows() throws Exception {
        Tools.require("ssh-keygen");
        Tools.Result shown = Tools.run("ssh-keygen", "-lf", hostKeys.resolve("ssh_host_ed25519_key.pub").toString());
        assertEquals(shown.stdout().split(" ")[1], new SshPublicKey("ssh-ed25519", HOST_KEY.split(" ")[1]).fingerprint());
    }

    @Test
    void scriptCutShortDoesNothing() throws Exception {
        Tools.require("setpriv");
        Tools.Result made = setupProxy("--next", "server");
        String script = made.stdout();
        int cut = script.indexOf("useradd -m");
        assertTrue(cut > 0, script);
        // Readable by nobody, who runs it: if any of it ran, it would stop at its root check and say so.
        Path truncated = Files.createTempFile("walt-truncated", ".sh");
        Tools.Result r;
        try {
            Files.writeString(truncated, script.substring(0, cut + "useradd -m".length()));
            Files.setPosixFilePermissions(truncated, PosixFilePermissions.fromString("rw-r--r--"));
            r = Tools.run("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "sh", truncated.toString());
        } finally {
            Files.delete(truncated);
        }
        assertTrue(r.exit() != 0, r.all());
        assertFalse(r.stderr().contains("setup-proxy:"), r.all());
        assertTrue(r.stderr().contains("end of file"), r.all());
    }

    @Test
    void scriptGoesToStandardOutputWithoutOutputFile() throws Exception {
        Tools.Result made = setupProxy("--next", "10.0.0.1");
        assertEquals(0, made.exit(), made.all());
        assertTrue(made.stdout().startsWith("#!/bin/sh\n"));
        assertTrue(made.stdout().contains("\nnext_hop='10.0.0.1:22'\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a$(id)", "host'name", "host\"name", "x;reboot", "a b", "host\nname", "`id`",
        "host:0", "host:65536", "host:22x", "host:", "1.2.3.256", "[::1", "[nothost]:22", "2001:db8::1", "-x.example", "host-.example", ""})
    void hostileOrBrokenNextHopIsRefusedOnOneLine(String next) throws Exception {
        Path script = dir.resolve("refused.sh");
        Tools.Result r = setupProxy("--next=" + next, "-o", script.toString());
        assertEquals(2, r.exit(), r.all());
        assertEquals("", r.stdout());
        assertEquals(1, r.stderr().lines().count(), r.stderr());
        assertTrue(r.stderr().startsWith("walt: "), r.stderr());
        assertFalse(Files.exists(script));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-oProxyCommand=x", "-host"})
    void nextHopLookingLikeAnOptionIsRefused(String next) throws Exception {
        Path script = dir.resolve("option-like.sh");
        Tools.Result r = setupProxy("--next=" + next, "-o", script.toString());
        assertEquals(2, r.exit(), r.all());
        assertTrue(r.stderr().startsWith("walt: "), r.stderr());
        assertFalse(Files.exists(script));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        ED25519 + "' $(touch /tmp/pwned) '",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK6EP5JDHzwoB1YVS2zw0Ic0LiNLOfHbVTzeFAoxvp1t'$(id)'",
        ED25519 + " comment\n" + CA,
        "ssh-dss " + ED25519_BLOB,
        "ecdsa-sha2-nistp256 " + ED25519_BLOB,
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK6EP5JDHzwoB1YVS2zw0Ic0LiNLOfHbVTzeFAoxvp1",
        "ssh-ed25519 !!!!",
        "command=\"/bin/sh\" " + ED25519,
        "",
    })
    void hostileOrBrokenKeyIsRefusedOnOneLine(String bootstrap) throws Exception {
        Path badState = Files.createDirectories(dir.resolve("bad-state"));
        Files.writeString(badState.resolve("bootstrap.pub"), bootstrap);
        Files.writeString(badState.resolve("ca.pub"), CA + "\n");
        String error = refusedInput(badState, hostKeys);
        assertTrue(error.startsWith("walt: " + badState.resolve("bootstrap.pub")), error);
    }

    @Test
    void stateWithoutKeysTellsToInitTheServer() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty-state"));
        assertEquals("walt: no VPN keys in " + empty + " (bootstrap.pub, ca.pub): run the server's init first (walt vpn-server init; walt-vpn server init from the Debian package)\n",
                refusedInput(empty, hostKeys));
    }

    @Test
    void serverHostKeysAreRequired() throws Exception {
        Path none = Files.createDirectories(dir.resolve("no-host-keys"));
        assertEquals("walt: no SSH host keys in " + none + " (ssh_host_*_key.pub)\n", refusedInput(state, none));
    }

    @Test
    void defaultNextHopIsThisMachinesFullName() throws Exception {
        Tools.require("hostname");
        Tools.Result name = Tools.run("hostname", "-f");
        String expected = NextHop.parse(name.stdout().trim()).toString();
        Tools.Result r = setupProxy();
        assertEquals(0, r.exit(), r.all());
        assertTrue(r.stdout().contains("\nnext_hop='" + expected + "'\n"), expected);
    }

    @Test
    void quotingKeepsAQuoteInsideOneWord() throws Exception {
        Tools.require("sh");
        String hostile = "it's $(id) `id` \"x\"\n$HOME";
        Tools.Result echoed = Tools.run("sh", "-c", "printf %s " + ShellWord.quote(hostile));
        assertEquals(hostile, echoed.stdout());
        assertEquals(List.of("'a'\\''b'"), List.of(ShellWord.quote("a'b")));
    }

    /** Runs with these inputs, expects the bad-input exit and one line on stderr, and returns that line. */
    private static String refusedInput(Path stateDir, Path hostKeyDir) throws Exception {
        Tools.Result r = WaltMain.run("vpn", "setup-proxy", "--state-dir", stateDir.toString(), "--next", "server",
                "--server-host-keys", hostKeyDir.toString());
        assertEquals(2, r.exit(), r.all());
        assertEquals("", r.stdout());
        assertEquals(1, r.stderr().lines().count(), r.stderr());
        return r.stderr();
    }

    private static Tools.Result setupProxy(String... args) throws Exception {
        List<String> all = new java.util.ArrayList<>(List.of("vpn", "setup-proxy", "--state-dir", state.toString(),
                "--server-host-keys", hostKeys.toString()));
        all.addAll(List.of(args));
        return WaltMain.run(all.toArray(String[]::new));
    }
}
