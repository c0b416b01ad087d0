package walt.vpn.node;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import walt.vpn.testing.NetworkLab;
import walt.vpn.testing.Tools;

/**
 * The VM launcher for real, under TCG: in a network namespace standing for the node, a veth
 * standing for the tunnel joins the bridge, and dnsmasq at its other end plays the WalT
 * server (DHCP and TFTP), started late. U-Boot in the VM must retry until the "server" is
 * there, then get an address and run the boot script it hands out.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeVmBootTest {

    private static final String FIRMWARE = "/usr/lib/u-boot/qemu_arm64/u-boot.bin";
    private static final String MARKER = "WALT-VPN-NETBOOT-MARKER";

    private NetworkLab net;
    private Path lab;

    @BeforeAll
    void setUp() throws Exception {
        for (String t : List.of("qemu-system-aarch64", "dnsmasq", "mkimage")) {
            Tools.require(t);
        }
        assumeTrue(Files.exists(Path.of(FIRMWARE)), FIRMWARE + " missing (package u-boot-qemu)");
        net = NetworkLab.open("node-vm");
        lab = Files.createTempDirectory("node-vm-");
    }

    @AfterAll
    void tearDown() throws Exception {
        Node.closeLab(net, lab);
    }

    @Test
    void waitsForTheTunnelRetriesThenNetworkBootsThroughTheBridge() throws Exception {
        NetworkLab.Host ns = net.addHost("node");
        net.ok(ns, "ip", "link", "add", "walt-vpn-br", "type", "bridge");
        net.ok(ns, "ip", "link", "add", "wvtun0", "type", "veth", "peer", "name", "wvsrv0");
        net.ok(ns, "ip", "addr", "add", "10.231.5.1/24", "dev", "wvsrv0");
        net.ok(ns, "ip", "link", "set", "wvsrv0", "up");
        net.ok(ns, "ip", "link", "set", "wvtun0", "up");

        // The "WalT server": a boot script on TFTP, offered by DHCP.
        Path tftp = Files.createDirectories(lab.resolve("tftp"));
        Files.writeString(lab.resolve("boot.txt"), "echo " + MARKER + "\n");
        Tools.Result mk = Tools.run(List.of("mkimage", "-A", "arm64", "-T", "script", "-C", "none", "-d",
                lab.resolve("boot.txt").toString(), tftp.resolve("boot.scr.uimg").toString()), lab, 30);
        assertTrue(mk.exit() == 0, mk.all());
        Path dnsmasqLog = lab.resolve("dnsmasq.log");
        String[] dnsmasq = {"dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--port=0", "--user=root",
                "--interface=wvsrv0", "--bind-interfaces", "--dhcp-range=10.231.5.50,10.231.5.99,1h",
                "--dhcp-leasefile=" + lab.resolve("leases"), "--pid-file=" + lab.resolve("dnsmasq.pid"),
                "--enable-tftp", "--tftp-root=" + tftp, "--dhcp-boot=boot.scr.uimg,,10.231.5.1", "--log-dhcp"};

        Path site = Files.createDirectories(lab.resolve("site"));
        Files.writeString(site.resolve("vpn.conf"), Node.render("vpn.conf.ftl", Map.of(
                "server", Map.of("host", "10.231.5.1", "port", 22), "vm", Map.of("memory", 256, "cpus", 1))));
        Node.Sysfs sys = new Node.Sysfs(lab.resolve("sys")).net("eth0", "b8:27:eb:ab:cd:ef", 0);
        Path console = lab.resolve("console.log");
        // WALT_VPN_KVM_DEVICE stays /dev/kvm: where it exists (an x86 host) QEMU falls back to TCG.
        Process vm = net.start(ns, Map.of("WALT_VPN_SITE", site.toString(), "WALT_VPN_SYSFS", sys.root.toString(),
                "WALT_VPN_STATE", lab.resolve("state").toString()), console, List.of(Node.script("vm.sh")));
        try {
            Node.await(() -> Node.contains(console, "vm: waiting for the tunnel"), 30, "wait for the tunnel", () -> Node.text(console));
            Thread.sleep(2000);
            assertFalse(Node.contains(console, "U-Boot"), "the VM started before the tunnel was up" + Node.text(console));
            assertTrue(net.ok(ns, "ip", "-o", "link", "show", "master", "walt-vpn-br").stdout().contains(": walt-vpn-vm"),
                    "the VM's tap is in the bridge");

            net.ok(ns, "ip", "link", "set", "wvtun0", "master", "walt-vpn-br");
            // No server yet: U-Boot gives up on the network, and the retry disk resets the VM
            // rather than leaving it at the U-Boot prompt.
            Node.await(() -> Node.contains(console, "walt-vpn: network boot failed, starting again in 5 s"), 240,
                    "failed network boot", () -> Node.text(console));
            Node.await(() -> Node.text(console).split("walt-vpn: network boot through the tunnel", -1).length > 2, 60,
                    "second network boot", () -> Node.text(console));
            assertTrue(Node.contains(console, "resetting ..."), Node.text(console));

            net.start(ns, dnsmasqLog, List.of(dnsmasq));
            Node.await(() -> Node.contains(console, MARKER + "\n") || Node.contains(console, MARKER + "\r"), 180, "boot script run",
                    () -> Node.text(console) + Node.text(dnsmasqLog));
            String text = Files.readString(console);
            assertTrue(text.contains("vm: starting (mac 52:54:00:ab:cd:ef, 256 MiB, 1 CPUs)"), text);
            assertTrue(text.contains("DHCP client bound to address 10.231.5."), text);
            // The server saw the VM's own MAC: the one derived from the board's.
            assertTrue(Node.contains(dnsmasqLog, "DHCPOFFER(wvsrv0) 10.231.5.") && Node.contains(dnsmasqLog, " 52:54:00:ab:cd:ef"),
                    Node.text(dnsmasqLog));
            assertFalse(Node.contains(dnsmasqLog, "52:52:52:52:52:52"), Node.text(dnsmasqLog));
        } finally {
            NetworkLab.stop(vm);
        }
    }
}
