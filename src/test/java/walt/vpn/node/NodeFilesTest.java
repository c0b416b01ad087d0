package walt.vpn.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import walt.vpn.testing.NetworkLab;
import walt.vpn.testing.Tools;

/** The node's scripts, units and templates, checked without a network: lint, parsing, key, VM command. */
class NodeFilesTest {

    @TempDir
    Path tmp;

    @Test
    void scriptsAreShellcheckCleanPosixSh() throws Exception {
        Tools.require("shellcheck");
        List<Path> scripts = Node.scripts();
        assertTrue(scripts.size() >= 6, "scripts: " + scripts);
        for (Path s : scripts) {
            Tools.Result r = Tools.run(List.of("shellcheck", "-s", "sh", "-x", s.getFileName().toString()), Node.LIB, 60);
            assertEquals(0, r.exit(), s + ":\n" + r.all());
            String text = Files.readString(s);
            // Libraries (common.sh, ipxe.sh) are sourced: they say so to shellcheck and are not run.
            boolean library = text.startsWith("# shellcheck shell=sh\n");
            assertTrue(text.contains("\nset -eu\n") || library, s + " lacks set -eu");
            assertFalse(text.matches("(?s).*\\beval\\b.*"), s + " uses eval");
            assertEquals(!library, Files.isExecutable(s), s + ": only the entry points are executable");
        }
    }

    @Test
    void unitsVerifyAndAreEnabled() throws Exception {
        Tools.require("systemd-analyze");
        List<String> units = List.of("walt-vpn-keygen.service", "walt-vpn-enroll.service", "walt-vpn-tunnel.service", "walt-vpn-vm.service");
        // systemd-analyze checks that ExecStart exists: point it at the scripts in this checkout.
        List<String> cmd = new ArrayList<>(List.of("systemd-analyze", "verify"));
        for (String u : units) {
            String text = Files.readString(Node.UNITS.resolve(u));
            assertTrue(text.contains("ExecStart=/usr/lib/walt-vpn/"), u);
            Path copy = tmp.resolve(u);
            Files.writeString(copy, text.replace("/usr/lib/walt-vpn/", Node.LIB + "/"));
            cmd.add(copy.toString());
            Path wants = Node.UNITS.resolve("multi-user.target.wants").resolve(u);
            assertTrue(Files.isSymbolicLink(wants), u + " is not enabled");
            assertEquals(Path.of("/etc/systemd/system", u), Files.readSymbolicLink(wants));
        }
        Tools.Result r = Tools.run(cmd, tmp, 120);
        assertEquals(0, r.exit(), r.all());
        assertEquals("", r.all().strip(), "systemd-analyze verify warnings");
        assertTrue(Files.readString(Node.UNITS.resolve("walt-vpn-keygen.service"))
                .contains("\nConditionPathExists=!/var/lib/walt-vpn/id_ed25519\n"));
    }

    @Test
    void vpnConfValuesAreReadAsData() throws Exception {
        Path site = Files.createDirectories(tmp.resolve("site"));
        Path marker = tmp.resolve("pwned");
        String hostile = "srv'; touch " + marker + "; echo '$(touch " + marker + ")`id`";
        Files.writeString(site.resolve("vpn.conf"), Node.render("vpn.conf.ftl", Map.of(
                "server", Map.of("host", hostile, "port", 2222),
                "vm", Map.of("memory", 1536, "cpus", 3))));
        Map<String, String> env = Map.of("WALT_VPN_SITE", site.toString());
        assertEquals(hostile + "\n", Node.common(env, "conf_get", "WALT_VPN_SERVER_HOST").stdout());
        assertEquals("2222\n", Node.common(env, "conf_get", "WALT_VPN_SERVER_PORT").stdout());
        assertEquals("1536\n", Node.common(env, "conf_get", "WALT_VPN_VM_MEMORY").stdout(), "no digit grouping");
        assertEquals("", Node.common(env, "conf_get", "WALT_VPN_NOT_THERE").stdout());
        assertFalse(Files.exists(marker), "a value of vpn.conf was run");
        // The shell reads the file the same way, so the quoting is the shell's own.
        Tools.Result sh = Tools.run(List.of("sh", "-c", ". \"$0\"; printf '%s' \"$WALT_VPN_SERVER_HOST\"", site.resolve("vpn.conf").toString()), null, 30);
        assertEquals(hostile, sh.stdout());
        assertFalse(Files.exists(marker));
    }

    @Test
    void wiredMacIsTheFirstPermanentWiredAddress() throws Exception {
        Node.Sysfs sys = new Node.Sysfs(tmp.resolve("sys"))
                .net("lo", "00:00:00:00:00:00", 0)
                .net("wlan0", "b8:27:eb:00:00:01", 0)
                .net("eth0", "02:11:22:33:44:55", 1)   // random: not the board's
                .net("eth1", "B8:27:EB:AB:CD:EF", 0)
                .net("walt-vpn-br", "b8:27:eb:00:00:02", 0);
        Map<String, String> env = Map.of("WALT_VPN_SYSFS", sys.root.toString());
        assertEquals("b8:27:eb:ab:cd:ef\n", Node.common(env, "wired_mac").stdout());
        sys.net("enxb827eb010203", "b8:27:eb:01:02:03", 0);
        assertEquals("enxb827eb010203 b8:27:eb:01:02:03\n", Node.common(env, "wired_interface").stdout());
        Node.Sysfs none = new Node.Sysfs(tmp.resolve("sys2")).net("eth0", "02:11:22:33:44:55", 3);
        assertEquals(1, Node.common(Map.of("WALT_VPN_SYSFS", none.root.toString()), "wired_mac").exit());
    }

    @Test
    void keygenMakesAPrivateKeyOnceAndPrintsItsFingerprint() throws Exception {
        Tools.require("ssh-keygen");
        Path state = tmp.resolve("state");
        Map<String, String> env = Map.of("WALT_VPN_STATE", state.toString(), "WALT_VPN_SYSFS", tmp.resolve("no-sys").toString());
        Tools.Result first = Tools.run(List.of(Node.script("keygen.sh")), null, 60, env);
        assertEquals(0, first.exit(), first.all());
        Path key = state.resolve("id_ed25519");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        String fp = Tools.run("ssh-keygen", "-lf", key + ".pub").stdout();
        assertTrue(fp.startsWith("256 SHA256:") && fp.endsWith("(ED25519)\n"), fp);
        String sha = fp.split(" ")[1];
        assertTrue(first.stdout().contains("walt-vpn: node key fingerprint " + sha + " (" + fp.strip() + ")"), first.stdout());
        try (var s = Files.list(state)) {
            assertEquals(List.of("id_ed25519", "id_ed25519.pub"), s.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temporary file left");
        }
        // Every boot while not enrolled prints it again, from the same key.
        Tools.Result again = Tools.run(List.of(Node.script("keygen.sh")), null, 60, env);
        assertTrue(again.stdout().contains("node key fingerprint " + sha), again.stdout());
        assertFalse(again.stdout().contains("made the node key"), again.stdout());
    }

    @Test
    void messagesReachEveryConsoleNotOnlyTheLast() throws Exception {
        Tools.require("ssh-keygen");
        // A Pi's command line: console=tty0 (the screen) console=ttyS1 (serial); /dev/console is the last one only.
        Node.Sysfs sys = new Node.Sysfs(tmp.resolve("sys")).consoles("tty0", "ttyS1");
        Path dev = Files.createDirectories(tmp.resolve("dev"));
        Files.writeString(dev.resolve("tty0"), "");
        Files.writeString(dev.resolve("ttyS1"), "");
        Tools.Result r = Tools.run(List.of(Node.script("keygen.sh")), null, 60, Map.of("WALT_VPN_STATE", tmp.resolve("state").toString(),
                "WALT_VPN_SYSFS", sys.root.toString(), "WALT_VPN_DEVFS", dev.toString()));
        assertEquals(0, r.exit(), r.all());
        String fingerprint = r.stdout().lines().filter(l -> l.startsWith("walt-vpn: node key fingerprint ")).findFirst().orElseThrow();
        for (String console : List.of("tty0", "ttyS1")) {
            assertTrue(Files.readString(dev.resolve(console)).contains(fingerprint + "\r\n"), console + ": " + Files.readString(dev.resolve(console)));
        }
    }

    @Test
    void enrolmentWaitsForTheWiredLink() throws Exception {
        Node.Sysfs sys = new Node.Sysfs(tmp.resolve("sys"));
        Map<String, String> env = Map.of("WALT_VPN_SYSFS", sys.root.toString());
        Path log = tmp.resolve("wait.log");
        List<String> cmd = List.of("sh", "-c", ". \"$0\"; wait_wired; say ready", Node.script("common.sh"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            Node.await(() -> Node.contains(log, "walt-vpn: waiting for the wired network interface"), 10, "the wait", () -> Node.text(log));
            // The USB NIC appears, link down: still waiting; then its link comes up.
            sys.net("eth0", "b8:27:eb:01:02:03", 0);
            Files.writeString(sys.root.resolve("class/net/eth0/operstate"), "down\n");
            Thread.sleep(2500);
            assertFalse(Node.contains(log, "ready"), Node.text(log));
            Files.writeString(sys.root.resolve("class/net/eth0/operstate"), "up\n");
            assertTrue(p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), Node.text(log));
            assertTrue(Node.contains(log, "walt-vpn: ready"), Node.text(log));
            assertEquals(1, Files.readString(log).split("waiting for", -1).length - 1, "said once: " + Node.text(log));
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void theClockIsTakenFromTheServerOnlyWhenNtpHasNotSetIt() throws Exception {
        // A fake ssh answers "time" as the server would, from the file "server-time".
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path serverTime = tmp.resolve("server-time");
        Path set = tmp.resolve("set");
        NetworkLab.write(bin.resolve("ssh"), "#!/bin/sh\n[ \"$4\" = time ] || exit 2\ncat \"" + serverTime + "\"\n");
        NetworkLab.write(bin.resolve("set-clock"), "#!/bin/sh\necho \"$1\" >>\"" + set + "\"\n");
        for (String f : List.of("ssh", "set-clock")) {
            Files.setPosixFilePermissions(bin.resolve(f), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Map<String, String> env = Map.of("PATH", bin + ":" + System.getenv("PATH"), "WALT_VPN_SET_CLOCK", bin.resolve("set-clock").toString(),
                "WALT_VPN_TIMESYNC", tmp.resolve("synchronized").toString(), "WALT_VPN_SITE", tmp.toString(),
                "WALT_VPN_SYSFS", tmp.resolve("no-sys").toString());
        long now = System.currentTimeMillis() / 1000;
        Files.writeString(serverTime, (now + 3600) + "\n");
        Tools.Result ahead = Node.common(env, "sync_clock");
        assertEquals(0, ahead.exit(), ahead.all());
        assertEquals(List.of("@" + (now + 3600)), Files.readAllLines(set));
        assertTrue(ahead.stdout().contains("walt-vpn: clock set from the WalT server"), ahead.stdout());
        // Close enough, or an answer that is not a number: the clock is left alone.
        for (String answer : List.of(String.valueOf(now + 10), "1700000000; reboot", "")) {
            Files.writeString(serverTime, answer + "\n");
            assertEquals(0, Node.common(env, "sync_clock").exit());
        }
        // NTP has synchronised it: the server is not even asked.
        Files.writeString(serverTime, (now + 7200) + "\n");
        Files.writeString(tmp.resolve("synchronized"), "");
        assertEquals(0, Node.common(env, "sync_clock").exit());
        assertEquals(List.of("@" + (now + 3600)), Files.readAllLines(set));
    }

    @Test
    void vmCommandForARaspberryPi3bPlus() throws Exception {
        Node.Sysfs sys = new Node.Sysfs(tmp.resolve("sys")).raspberryPi3bPlus("b8:27:eb:12:34:56");
        Path site = Files.createDirectories(tmp.resolve("site"));
        Files.writeString(site.resolve("vpn.conf"), Node.render("vpn.conf.ftl", Map.of(
                "server", Map.of("host", "walt", "port", 22), "vm", Map.of("memory", 700, "cpus", 3))));
        Map<String, String> env = new HashMap<>(Map.of("WALT_VPN_SYSFS", sys.root.toString(), "WALT_VPN_SITE", site.toString(),
                "WALT_VPN_VM_DRY_RUN", "1", "WALT_VPN_KVM_DEVICE", tmp.resolve("no-kvm").toString()));
        Tools.Result r = Tools.run(List.of(Node.script("vm.sh")), null, 30, env);
        assertEquals(0, r.exit(), r.all());
        List<String> args = r.stdout().lines().toList();
        assertEquals("qemu-system-aarch64", args.get(0));
        String line = String.join(" ", args);
        assertTrue(line.contains("-M virt -accel tcg -cpu max -m 700 -smp 3 -nographic -no-reboot"), r.stdout());
        // No firmware of any kind: QEMU starts the kernel the WalT boot scripts fetched, so
        // nothing but Linux drives the devices (xHCI included) even under KVM.
        for (String firmware : List.of("-bios", "-pflash", "if=pflash", "u-boot", "-drive")) {
            assertFalse(line.contains(firmware), firmware + " in " + line);
        }
        assertTrue(line.endsWith("-kernel /run/walt-vpn/boot/out/kernel -initrd /run/walt-vpn/boot/out/initrd"
                + " -append (the WalT boot scripts' command line)"), line);
        assertTrue(args.contains("virtio-net-pci,netdev=net0,mac=52:54:00:12:34:56,romfile="), r.stdout());
        assertTrue(line.contains("-chardev pipe,id=qmp,path=/run/walt-vpn/qmp -mon chardev=qmp,mode=control"), line);
        assertTrue(args.contains("tap,id=net0,ifname=walt-vpn-vm,script=no,downscript=no"), r.stdout());
        // The four sockets; not the hubs, not the Ethernet chip in 1-1.1.1.
        assertEquals(List.of("usb-host,bus=xhci.0,hostbus=1,hostport=1.1.2", "usb-host,bus=xhci.0,hostbus=1,hostport=1.1.3",
                "usb-host,bus=xhci.0,hostbus=1,hostport=1.2", "usb-host,bus=xhci.0,hostbus=1,hostport=1.3"),
                args.stream().filter(a -> a.startsWith("usb-host")).toList());
        assertTrue(args.contains("qemu-xhci,id=xhci"));

        // With /dev/kvm (any character device here), KVM first and TCG as the fallback.
        env.put("WALT_VPN_KVM_DEVICE", "/dev/null");
        String kvm = String.join(" ", Tools.run(List.of(Node.script("vm.sh")), null, 30, env).stdout().lines().toList());
        assertTrue(kvm.contains("-accel kvm,kernel-irqchip=off -accel tcg -cpu max"), kvm);
        // Under KVM too, xHCI is there only for Linux: no firmware runs before it.
        assertTrue(kvm.contains("-device qemu-xhci,id=xhci") && !kvm.contains("-bios") && !kvm.contains("pflash"), kvm);

        // A machine without USB ports gets no usb-host device; a bad value in vpn.conf stops the launcher.
        Node.Sysfs plain = new Node.Sysfs(tmp.resolve("sys2")).net("eth0", "52:54:00:AA:BB:CC", 0);
        env.put("WALT_VPN_SYSFS", plain.root.toString());
        Tools.Result noUsb = Tools.run(List.of(Node.script("vm.sh")), null, 30, env);
        assertEquals(0, noUsb.exit(), noUsb.all());
        assertFalse(noUsb.stdout().contains("usb-host"), noUsb.stdout());
        assertTrue(noUsb.stdout().contains("mac=52:54:00:aa:bb:cc,"), noUsb.stdout());
        Files.writeString(site.resolve("vpn.conf"), "WALT_VPN_VM_MEMORY='512 -snapshot'\n");
        Tools.Result bad = Tools.run(List.of(Node.script("vm.sh")), null, 30, env);
        assertEquals(1, bad.exit(), bad.all());
        assertTrue(bad.stdout().contains("WALT_VPN_VM_MEMORY must be a whole number, not '512 -snapshot'"), bad.stdout());
    }

    @Test
    void sshConfigAndKnownHostsForAProxyChain() throws Exception {
        Map<String, Object> model = Map.of(
                "proxies", List.of(Map.of("host", "entry.example.org", "port", 22, "hostKeys", List.of("ssh-ed25519 AAAAproxy1")),
                        Map.of("host", "10.0.0.2", "port", 2222, "user", "vpn", "hostKeys", List.of("ssh-ed25519 AAAAproxy2", "ecdsa-sha2-nistp256 AAAAp2"))),
                "server", Map.of("host", "walt-server", "port", 22, "hostKeys", List.of("ssh-ed25519 AAAAserver")));
        String known = Node.render("known_hosts.ftl", model);
        assertEquals(List.of("entry.example.org ssh-ed25519 AAAAproxy1", "[10.0.0.2]:2222 ssh-ed25519 AAAAproxy2",
                "[10.0.0.2]:2222 ecdsa-sha2-nistp256 AAAAp2", "walt-server ssh-ed25519 AAAAserver"),
                known.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).toList());
        Path cfg = tmp.resolve("ssh_config");
        Files.writeString(cfg, Node.render("ssh_config.ftl", model));
        // ssh itself resolves the file: what each service will use.
        Tools.require("ssh");
        assertSettings(cfg, "walt-vpn-tunnel", Map.of("user", "walt-vpn", "hostname", "walt-server", "proxyjump", "walt-vpn-proxy-2",
                "certificatefile", "/var/lib/walt-vpn/id_ed25519-cert.pub", "userknownhostsfile", "/boot/firmware/walt-vpn/known_hosts",
                "stricthostkeychecking", "true", "identitiesonly", "yes", "batchmode", "yes", "updatehostkeys", "false",
                "serveraliveinterval", "15"));
        assertSettings(cfg, "walt-vpn-enroll", Map.of("user", "walt-vpn-enroll", "identityfile", "/var/lib/walt-vpn/id_ed25519",
                "proxyjump", "walt-vpn-proxy-2"));
        assertSettings(cfg, "walt-vpn-proxy-2", Map.of("user", "vpn", "port", "2222", "proxyjump", "walt-vpn-proxy-1",
                "identityfile", "/var/lib/walt-vpn/bootstrap"));
        assertSettings(cfg, "walt-vpn-proxy-1", Map.of("user", "walt-vpn", "hostname", "entry.example.org", "port", "22"));
        assertEquals(null, resolve(cfg, "walt-vpn-proxy-1").get("proxyjump"));
        assertEquals("entry.example.org:22\n", Node.common(Map.of("WALT_VPN_SITE", tmp.toString()), "entrypoint", "walt-vpn-enroll").stdout());

        // No proxy: the server is the entrypoint.
        Files.writeString(cfg, Node.render("ssh_config.ftl", Map.of("proxies", List.of(), "server", Map.of("host", "srv", "port", 2200))));
        assertEquals(null, resolve(cfg, "walt-vpn-tunnel").get("proxyjump"));
        assertEquals("srv:2200\n", Node.common(Map.of("WALT_VPN_SITE", tmp.toString()), "entrypoint", "walt-vpn-tunnel").stdout());
    }

    /** Checks the settings ssh resolves for {@code host} (ssh -G, first value of each). */
    private static void assertSettings(Path cfg, String host, Map<String, String> expected) throws Exception {
        Map<String, String> actual = resolve(cfg, host);
        expected.forEach((k, v) -> assertEquals(v, actual.get(k), host + " " + k));
    }

    private static Map<String, String> resolve(Path cfg, String host) throws Exception {
        Tools.Result r = Tools.run("ssh", "-G", "-F", cfg.toString(), host);
        assertEquals(0, r.exit(), r.all());
        Map<String, String> m = new HashMap<>();
        r.stdout().lines().forEach(l -> {
            String[] kv = l.split(" ", 2);
            m.putIfAbsent(kv[0], kv.length > 1 ? kv[1] : "");
        });
        return m;
    }
}
