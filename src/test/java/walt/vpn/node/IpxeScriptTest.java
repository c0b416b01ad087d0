package walt.vpn.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import walt.vpn.testing.Tools;

/**
 * ipxe.sh, the interpreter of WalT's boot scripts, on its own: its transport reads a folder
 * standing for the server (NodeVmBootTest runs it against a real one). What it must do with
 * the scripts a WalT server serves, and what it must never do with a hostile one: run
 * anything, expand a glob, follow a path out of the server's folder, loop for ever.
 */
class IpxeScriptTest {

    @TempDir
    Path tmp;
    Path server;

    @BeforeEach
    void setUp() throws Exception {
        server = Files.createDirectories(tmp.resolve("server"));
    }

    /** Runs /start.ipxe from {@link #server}, with the variables netboot.sh sets; returns the output. */
    private Tools.Result boot() throws Exception {
        Path vars = Files.createDirectories(tmp.resolve("vars"));
        Path out = Files.createDirectories(tmp.resolve("out"));
        String harness = String.join("\n",
                "set -eu",
                ". \"$LIB/common.sh\"",
                ". \"$LIB/ipxe.sh\"",
                "ipxe_vars=$VARS",
                "ipxe_out=$OUT",
                // The transport: the file's path under the server's folder; the protocol and host are logged.
                "ipxe_transfer() { echo \"fetch $1 $2 $3\"; [ -f \"$SERVER$3\" ] && cp \"$SERVER$3\" \"$4\"; }",
                "ipxe_set next-server 10.0.0.1",
                "ipxe_set ip 10.0.0.50",
                "ipxe_set mac 52:54:00:ab:cd:ef",
                "ipxe_set mac:hexhyp 52-54-00-ab-cd-ef",
                "depth=0",
                "ipxe_chain /start.ipxe \"$depth\"",
                "");
        // WALT_VPN_SYSFS: no consoles, so that say() writes to none of this machine's.
        return Tools.run(List.of("sh", "-c", harness), tmp, 120, Map.of("LIB", Node.LIB.toString(), "VARS", vars.toString(),
                "OUT", out.toString(), "SERVER", server.toString(), "WALT_VPN_SYSFS", tmp.resolve("sys").toString()));
    }

    private void serve(String path, String text) throws Exception {
        Path f = server.resolve(path.substring(1));
        Files.createDirectories(f.getParent());
        Files.writeString(f, text);
    }

    private String out(String name) throws Exception {
        Path f = tmp.resolve("out").resolve(name);
        return Files.exists(f) ? Files.readString(f) : null;
    }

    @Test
    void runsAChainLikeWaltsAndBootsWithItsCommandLine() throws Exception {
        serve("/start.ipxe", "#!ipxe\n# a comment\n\nset node_model qemu-arm-64\nchain /start-generic.ipxe\necho not reached\n");
        serve("/start-generic.ipxe", String.join("\n", "#!ipxe",
                "set urlprefix http://${next-server}/boot",
                "chain ${urlprefix}/missing.ipxe ||",
                "echo falling back",
                "set urlprefix",
                "chain ${urlprefix}/sub/two.ipxe",
                ""));
        serve("/sub/two.ipxe", String.join("\n", "#!ipxe",
                "chain params.ipxe && imgfree params.ipxe ||",
                "chain absent.ipxe && imgfree absent.ipxe ||",
                "set args root=/dev/nfs nfsroot=${next-server}:/var/lib/walt/nodes/${mac}/fs walt.node.model=${node_model}",
                "initrd ${urlprefix}/initrd || echo No initrd found",
                "kernel ${urlprefix}/kernel initrd=initrd ${args} BOOTIF=01-${mac:hexhyp} ${undefined}x || reboot",
                "boot",
                "echo not reached either",
                ""));
        serve("/sub/params.ipxe", "#!ipxe\nset server_mac 02:00:00:00:00:01\n");
        serve("/initrd", "INITRD");
        serve("/kernel", "KERNEL");
        Tools.Result r = boot();
        assertEquals(0, r.exit(), r.all());
        assertTrue(r.stdout().contains("fetch http 10.0.0.1 /boot/missing.ipxe"), r.stdout());
        assertTrue(r.stdout().contains("walt-vpn: vm: boot: falling back"), r.stdout());
        // A relative path is the running script's folder, on its protocol and host.
        assertTrue(r.stdout().contains("fetch tftp 10.0.0.1 /sub/params.ipxe"), r.stdout());
        assertFalse(r.stdout().contains("not reached"), r.stdout());
        assertEquals("KERNEL", out("kernel"));
        assertEquals("INITRD", out("initrd"));
        assertEquals("initrd=initrd root=/dev/nfs nfsroot=10.0.0.1:/var/lib/walt/nodes/52:54:00:ab:cd:ef/fs walt.node.model=qemu-arm-64"
                + " BOOTIF=01-52-54-00-ab-cd-ef x\n", out("cmdline"));
        assertEquals("", out("boot"));
    }

    @Test
    void nothingFetchedIsEverRunOrGlobbed() throws Exception {
        Path pwned = tmp.resolve("pwned");
        serve("/start.ipxe", String.join("\n", "#!ipxe",
                "set a $(touch " + pwned + ")",
                "set b `touch " + pwned + "`; touch " + pwned,
                "set c /*",
                "set d ${a${b}}",
                "echo \u001b[31m ${c}",
                "kernel /kernel ${a} ${b} ${c}",
                "boot",
                ""));
        serve("/kernel", "K");
        Tools.Result r = boot();
        assertEquals(0, r.exit(), r.all());
        assertFalse(Files.exists(pwned), "a command in a script ran");
        assertEquals("$(touch " + pwned + ") `touch " + pwned + "`; touch " + pwned + " /*\n", out("cmdline"));
        assertFalse(r.stdout().contains("\u001b"), "a terminal escape reached the console");
        assertTrue(r.stdout().contains("ignored a line that is not printable ASCII"), r.stdout());
    }

    @Test
    void aScriptThatChainsItselfStops() throws Exception {
        serve("/start.ipxe", "#!ipxe\nchain /start.ipxe\n");
        Tools.Result r = boot();
        assertEquals(1, r.exit(), r.all());
        assertTrue(r.stdout().contains("walt-vpn: vm: boot: scripts chained more than 8 deep"), r.stdout());
        assertEquals(null, out("boot"));
    }

    @Test
    void aScriptThatBranchesStopsAfterSixtyFourFetches() throws Exception {
        // Each run fetches itself three times: without a bound, 3^8 fetches at depth 8.
        serve("/start.ipxe", "#!ipxe\nchain /start.ipxe ||\nchain /start.ipxe ||\nchain /start.ipxe ||\n");
        Tools.Result r = boot();
        assertEquals(1, r.exit(), r.all());
        assertTrue(r.stdout().contains("walt-vpn: vm: boot: more than 64 files fetched: this boot attempt ends"), r.stdout());
        assertEquals(64, r.stdout().lines().filter(l -> l.startsWith("fetch ")).count(), r.stdout());
    }

    @Test
    void rebootEndsTheAttemptEvenWhereAnOrWouldCatchAFailure() throws Exception {
        serve("/start.ipxe", "#!ipxe\ninitrd /initrd\nchain /two.ipxe || echo caught\nkernel /kernel\nboot\n");
        serve("/two.ipxe", "#!ipxe\nkernel /absent || reboot\n");
        serve("/initrd", "I");
        serve("/kernel", "K");
        Tools.Result r = boot();
        assertEquals(1, r.exit(), r.all());
        assertFalse(r.stdout().contains("caught"), r.stdout());
        assertEquals(null, out("boot"));
    }

    @Test
    void commandsShortOfArgumentsFailInsteadOfEndingTheShell() throws Exception {
        serve("/start.ipxe", String.join("\n", "#!ipxe",
                "kernel --name || echo kernel-caught",
                "imgargs || echo imgargs-caught",
                "sleep x || echo sleep-caught",
                "sleep 61 || echo not-caught",
                ""));
        Tools.Result r = boot();
        assertEquals(1, r.exit(), r.all());
        for (String caught : List.of("kernel-caught", "imgargs-caught", "sleep-caught")) {
            assertTrue(r.stdout().contains("walt-vpn: vm: boot: " + caught), caught + ": " + r.all());
        }
        assertTrue(r.stdout().contains("sleep 61 is longer than 60 s: this boot attempt ends"), r.stdout());
        assertFalse(r.stdout().contains("not-caught"), r.stdout());
    }

    @Test
    void whatNoWaltServerServesEndsTheAttemptWithItsName() throws Exception {
        for (String[] c : List.of(
                new String[] {"goto retry", "unsupported iPXE command 'goto'"},
                new String[] {"chain /../../etc/passwd", "cannot fetch '/../../etc/passwd': not a URI a WalT server serves"},
                new String[] {"chain http://10.0.0.1:8080/x", "cannot fetch 'http://10.0.0.1:8080/x'"},
                new String[] {"chain tftp://-x/start.ipxe", "cannot fetch 'tftp://-x/start.ipxe'"},
                new String[] {"chain ftp://10.0.0.1/x", "cannot fetch 'ftp://10.0.0.1/x'"},
                new String[] {"chain /not-a-script", "is not an iPXE script"},
                new String[] {"boot", "'boot' with no kernel loaded"},
                new String[] {"reboot", "the script ran 'reboot': this boot attempt ends"})) {
            Files.deleteIfExists(tmp.resolve("out/abort"));
            Files.deleteIfExists(tmp.resolve("vars/.fetches"));
            serve("/start.ipxe", "#!ipxe\n" + c[0] + "\nkernel /kernel\nboot\n");
            serve("/not-a-script", "MZ binary");
            serve("/kernel", "K");
            Tools.Result r = boot();
            assertEquals(1, r.exit(), c[0] + ": " + r.all());
            assertTrue(r.stdout().contains(c[1]), c[0] + ": " + r.stdout());
            assertEquals(null, out("boot"), c[0]);
        }
    }

    @Test
    void andOrRunLeftToRightAsInIpxe() throws Exception {
        serve("/start.ipxe", String.join("\n", "#!ipxe",
                "chain /absent.ipxe && echo A1 || echo A2",
                "echo B1 || echo B2 && echo B3",
                "chain /absent.ipxe || chain /absent.ipxe || echo C",
                "set x 1 && set y 2",
                "kernel /kernel ${x}${y}",
                "boot",
                ""));
        serve("/kernel", "K");
        Tools.Result r = boot();
        assertEquals(0, r.exit(), r.all());
        List<String> echoed = r.stdout().lines().filter(l -> l.startsWith("walt-vpn: vm: boot: ") && !l.contains("fetch"))
                .map(l -> l.substring("walt-vpn: vm: boot: ".length())).toList();
        assertEquals(List.of("A2", "B1", "B3", "C"), echoed);
        assertEquals("12\n", out("cmdline"));
    }
}
