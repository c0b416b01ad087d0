package walt.vpn.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import walt.vpn.testing.NetworkLab;
import walt.vpn.testing.Tools;
import walt.vpn.testing.WaltBootServer;
import walt.vpn.testing.WaltImage;

/**
 * The VM launcher for real, under TCG: in a network namespace standing for the node, a veth
 * standing for the tunnel joins the bridge, and at its other end a stand-in for the WalT
 * server ({@link WaltBootServer}: DHCP keyed on the vendor class, per-node TFTP folders, a
 * WalT image's start.ipxe chain) starts late. The node's boot must retry until the server is
 * there, register the VM as a node of model qemu-arm-64, run the image's scripts and boot its
 * kernel with the command line WalT's scripts make; the VM's own network then reaches the
 * server.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeVmBootTest {

    private static final String SERVER = "10.231.5.1";
    private static final String VM_MAC = "52:54:00:ab:cd:ef";

    private NetworkLab net;
    private Path lab;

    @BeforeAll
    void setUp() throws Exception {
        for (String t : List.of("qemu-system-aarch64", "dnsmasq", "busybox")) {
            Tools.require(t);
        }
        net = NetworkLab.open("node-vm");
        lab = Files.createTempDirectory("node-vm-");
    }

    @AfterAll
    void tearDown() throws Exception {
        Node.closeLab(net, lab);
    }

    @Test
    void waitsForTheTunnelRetriesThenBootsLikeAWaltNodeOfModelQemuArm64() throws Exception {
        WaltImage image = WaltImage.write(lab.resolve("image"), false);
        NetworkLab.Host ns = net.addHost("node");
        net.ok(ns, "ip", "link", "add", "walt-vpn-br", "type", "bridge");
        net.ok(ns, "ip", "link", "add", "wvtun0", "type", "veth", "peer", "name", "wvsrv0");
        net.ok(ns, "ip", "addr", "add", SERVER + "/24", "dev", "wvsrv0");
        net.ok(ns, "ip", "link", "set", "wvsrv0", "up");
        net.ok(ns, "ip", "link", "set", "wvtun0", "up");

        Path site = Files.createDirectories(lab.resolve("site"));
        Files.writeString(site.resolve("vpn.conf"), Node.render("vpn.conf.ftl", Map.of(
                "server", Map.of("host", SERVER, "port", 22), "vm", Map.of("memory", 256, "cpus", 1))));
        Node.Sysfs sys = new Node.Sysfs(lab.resolve("sys")).net("eth0", "b8:27:eb:ab:cd:ef", 0);
        Path console = lab.resolve("console.log");
        Map<String, String> env = Map.of("WALT_VPN_SITE", site.toString(), "WALT_VPN_SYSFS", sys.root.toString(),
                "WALT_VPN_STATE", lab.resolve("state").toString(), "WALT_VPN_RUN", lab.resolve("run").toString(),
                "WALT_VPN_BOOT_NETNS", "wvb-node-vm", "WALT_VPN_KVM_DEVICE", lab.resolve("no-kvm").toString(),
                "WALT_VPN_BOOT_RETRY_MIN", "2", "WALT_VPN_BOOT_RETRY_MAX", "2", "WALT_VPN_DHCP_TRIES", "2",
                "WALT_VPN_VM_ONCE", "1");
        Process vm = net.start(ns, env, console, List.of(Node.script("vm.sh")));
        try {
            Node.await(() -> Node.contains(console, "vm: waiting for the tunnel"), 30, "wait for the tunnel", () -> Node.text(console));
            Thread.sleep(2000);
            assertFalse(Node.contains(console, "vm: boot: DHCP"), "the boot started before the tunnel was up" + Node.text(console));
            assertTrue(net.ok(ns, "ip", "-o", "link", "show", "master", "walt-vpn-br").stdout().contains(": walt-vpn-vm"),
                    "the VM's tap is in the bridge");

            net.ok(ns, "ip", "link", "set", "wvtun0", "master", "walt-vpn-br");
            // No server yet: no lease, and the node tries again rather than giving up.
            Node.await(() -> Node.text(console).split("vm: no boot from the WalT server yet; next try in 2s", -1).length > 2, 60,
                    "two failed boot attempts", () -> Node.text(console));
            assertTrue(Node.contains(console, "vm: boot: no DHCP lease from the WalT server"), Node.text(console));

            WaltBootServer server = WaltBootServer.start((cmd, log) -> net.start(ns, log, cmd), Files.createDirectories(lab.resolve("walt")),
                    "wvsrv0", SERVER, image, true);
            Node.await(() -> Node.contains(console, WaltImage.KERNEL_MARKER + " " + image.kernelVersion() + " aarch64"), 240,
                    "the WalT kernel's /init", () -> Node.text(console) + server.logText());
            Node.await(() -> Node.contains(console, image.networkLine()), 60, "the VM's network", () -> Node.text(console) + server.logText());
            assertTrue(vm.waitFor(60, TimeUnit.SECONDS), "vm.sh ends with the VM (WALT_VPN_VM_ONCE)" + Node.text(console));
            String text = Files.readString(console);

            // Registered by its vendor class, as a node of model qemu-arm-64, under the VM's MAC.
            Matcher leased = Pattern.compile("vm: boot: leased (10\\.231\\.5\\.\\d+)/24 from the WalT server " + SERVER).matcher(text);
            assertTrue(leased.find(), text);
            String ip = leased.group(1);
            assertEquals(List.of(VM_MAC + " " + ip + " node qemu-arm-64"), server.registry(), server.logText());
            assertTrue(server.logText().contains("vendor class: walt.node.qemu-arm-64"), server.logText());
            // The image's chain ran as WalT's scripts are written: the first script by TFTP,
            // the rest by HTTP from walt-server-httpd, which finds the node by its address.
            assertFalse(text.contains("vm: boot: http failed. falling back to tftp."), text);
            for (String f : List.of("start-generic-2.ipxe", "server-params.ipxe", "initrd", "kernel")) {
                assertTrue(server.httpLog().contains("GET /boot/" + f + "?node_ip=" + ip + " 200"), f + ": " + server.httpLog());
            }
            assertTrue(server.logText().contains("sent " + server.nodeFolder(VM_MAC).resolve("start.ipxe")), server.logText());
            assertTrue(text.contains("vm: boot: Walt node model: qemu-arm-64"), text);
            assertTrue(text.contains("vm: starting (mac " + VM_MAC + ", 256 MiB, 1 CPUs)"), text);
            assertTrue(text.contains("vm: WARNING: no " + lab.resolve("no-kvm") + ": the WalT node runs under TCG emulation"), text);
            // The kernel command line WalT's scripts make, as the kernel got it.
            String cmdline = text.lines().filter(l -> l.startsWith(WaltImage.CMDLINE_MARKER + " ")).findFirst().orElseThrow();
            for (String arg : List.of("root=/dev/nfs", "nfsroot=" + SERVER + ":/var/lib/walt/nodes/" + VM_MAC + "/fs,ro,vers=3,nolock,nocto",
                    "walt.node.model=qemu-arm-64", "walt.server.ip=" + SERVER, "init=/bin/walt-init", "panic=30",
                    "ip=" + ip + ":" + SERVER + ":" + SERVER + ":255.255.255.0:::off", "BOOTIF=01-52-54-00-ab-cd-ef", "initrd=initrd")) {
                assertTrue((" " + cmdline + " ").contains(" " + arg + " "), arg + " in " + cmdline);
            }
            // The boot's namespace and veth are gone: the board has no address on walt-net.
            assertFalse(net.ok(ns, "ip", "-o", "link").stdout().contains("wvboot"), "the boot's veth is removed");
            assertFalse(net.run(ns, "ip", "netns", "list").stdout().contains("wvb-node-vm"), "the boot's namespace is removed");

            // A device that does not say walt.node.*: an address, but no registration and no boot files.
            // It has a namespace of its own, so that its requests come from its own address.
            net.ok(ns, "ip", "netns", "add", "wvt-other");
            net.ok(ns, "ip", "link", "add", "wvother0", "type", "veth", "peer", "name", "wvother1", "address", "02:00:00:00:00:42",
                    "netns", "wvt-other");
            net.ok(ns, "ip", "link", "set", "wvother0", "master", "walt-vpn-br", "up");
            net.ok(ns, "ip", "-n", "wvt-other", "link", "set", "wvother1", "up");
            Path dhcpScript = NetworkLab.write(lab.resolve("udhcpc.sh"),
                    "#!/bin/sh\n[ \"$1\" = bound ] || exit 0\nip addr add \"$ip/$mask\" dev \"$interface\"\n");
            Files.setPosixFilePermissions(dhcpScript, PosixFilePermissions.fromString("rwxr-xr-x"));
            Tools.Result dhcp = net.run(ns, "ip", "netns", "exec", "wvt-other", "busybox", "udhcpc", "-i", "wvother1", "-f", "-q", "-n",
                    "-t", "5", "-T", "2", "-s", dhcpScript.toString());
            assertEquals(0, dhcp.exit(), dhcp.all() + server.logText());
            Node.await(() -> {
                try {
                    return server.registry().stream().anyMatch(l -> l.startsWith("02:00:00:00:00:42 ") && l.endsWith(" unknown"));
                } catch (java.io.IOException e) {
                    return false;
                }
            }, 30, "the other device filed as unknown", server::logText);
            Tools.Result tftp = net.run(ns, "ip", "netns", "exec", "wvt-other", "busybox", "tftp", "-g", "-r", "/start.ipxe", "-l", lab.resolve("other.ipxe").toString(), SERVER);
            assertTrue(tftp.exit() != 0, "an unregistered device gets no boot script: " + tftp.all());
            assertEquals(1, server.registry().stream().filter(l -> l.contains(" node ")).count(), server.registry().toString());
        } finally {
            NetworkLab.stop(vm);
            net.run(ns, "ip", "netns", "del", "wvt-other");
            net.run(ns, "ip", "netns", "del", "wvb-node-vm");
        }
    }
}
