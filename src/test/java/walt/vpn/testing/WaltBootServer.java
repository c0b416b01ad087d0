package walt.vpn.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * The network-boot side of a WalT server on walt-net, for the VPN node's VM to boot from. It
 * behaves as walt-python-packages' server does (read at fae94176, the last commit with VPN
 * nodes, and d103a235: {@code network/dhcpd.py}, {@code dhcpevent.py}, {@code tftp.py}), played
 * by Debian 12's dnsmasq 2.90:
 * <ul>
 * <li>DHCP: every device gets an address and next-server (the server); none gets a boot file
 *     name (WalT gives one to x86 PXE clients only);</li>
 * <li>registration: a lease whose vendor class starts with {@code walt.node.} registers the
 *     device as a node of the model that follows, and links its TFTP folder to its image's
 *     {@code boot/<model>} (dnsmasq's {@code --dhcp-script} stands for dhcpd's commit hook and
 *     {@code walt-dhcp-event}); any other device is "unknown" and gets no folder;</li>
 * <li>TFTP: a device's requests are served from its own folder ({@code --tftp-unique-root=mac}
 *     stands for WalT's map rule {@code r .* nodes/\i/tftp/\0}), so an unregistered device
 *     finds nothing;</li>
 * <li>HTTP, when asked for (walt-server-httpd, {@code services/httpd.py}): port 80,
 *     {@code /boot/PATH?node_ip=IP} served from the folder of the node with that address (the
 *     peer's address without {@code node_ip}), by a small Python 3 server. Without it the
 *     boot scripts fall back to TFTP, as they do on a server that lacks it.</li>
 * </ul>
 */
public final class WaltBootServer {

    /** Starts a long-running command (in a lab host, or on this machine), its output to {@code log}. */
    public interface Launcher {
        Process start(List<String> command, Path log) throws IOException;
    }

    private final Path dir;
    private final Path log;

    private WaltBootServer(Path dir, Path log) {
        this.dir = dir;
        this.log = log;
    }

    /**
     * dnsmasq on {@code iface}, whose address is {@code server} in a /24, leasing .50 to .99,
     * serving {@code image} to the nodes it registers. Its files are under {@code dir}.
     */
    public static WaltBootServer start(Launcher launcher, Path dir, String iface, String server, WaltImage image, boolean http)
            throws IOException, InterruptedException {
        Tools.require("dnsmasq");
        Path nodes = Files.createDirectories(dir.resolve("nodes"));
        Path byIp = Files.createDirectories(dir.resolve("nodes-by-ip"));
        Path registry = dir.resolve("registry");
        Files.writeString(registry, "");
        String net = server.substring(0, server.lastIndexOf('.') + 1);
        Path hook = NetworkLab.write(dir.resolve("dhcp-event.sh"), """
                #!/bin/sh
                # dnsmasq's lease hook, standing for WalT's walt-dhcp-event: $1 add|old|del, $2 MAC, $3 IP.
                [ "$1" = add ] || [ "$1" = old ] || exit 0
                case ${DNSMASQ_VENDOR_CLASS:-} in
                    walt.node.*) model=${DNSMASQ_VENDOR_CLASS#walt.node.} ;;
                    *) echo "$2 $3 unknown" >>"%1$s"; exit 0 ;;
                esac
                grep -q "^$2 $3 node $model\\$" "%1$s" || echo "$2 $3 node $model" >>"%1$s"
                ln -sfn "%2$s/$model" "%3$s/$(echo "$2" | tr : -)"
                ln -sfn "%3$s/$(echo "$2" | tr : -)" "%4$s/$3"
                """.formatted(registry, image.boot(), nodes, byIp));
        Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path log = dir.resolve("dnsmasq.log");
        launcher.start(List.of(Tools.find("dnsmasq"), "--no-daemon", "--conf-file=/dev/null", "--port=0", "--user=root",
                "--interface=" + iface, "--bind-interfaces", "--dhcp-range=" + net + "50," + net + "99,1h", "--log-dhcp",
                "--log-facility=-", "--dhcp-leasefile=" + dir.resolve("leases"), "--pid-file=" + dir.resolve("dnsmasq.pid"),
                "--dhcp-script=" + hook, "--enable-tftp", "--tftp-root=" + nodes, "--tftp-unique-root=mac"), log);
        WaltBootServer s = new WaltBootServer(dir, log);
        if (http) {
            Tools.require("python3");
            Path httpd = NetworkLab.write(dir.resolve("httpd.py"), HTTPD);
            launcher.start(List.of(Tools.find("python3"), httpd.toString(), server, byIp.toString()), dir.resolve("httpd.log"));
        }
        long end = System.nanoTime() + 30_000_000_000L;
        while (!s.logText().contains("TFTP root is")) {
            if (System.nanoTime() > end) {
                throw new IOException("dnsmasq did not start:\n" + s.logText());
            }
            Thread.sleep(200);
        }
        return s;
    }

    /** The HTTP server's log: one line a request, "GET PATH STATUS". */
    public String httpLog() {
        return textOf(dir.resolve("httpd.log"));
    }

    private static final String HTTPD = """
            import http.server, os, shutil, sys, urllib.parse
            address, by_ip = sys.argv[1], sys.argv[2]

            class Boot(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    url = urllib.parse.urlsplit(self.path)
                    ip = urllib.parse.parse_qs(url.query).get("node_ip", [self.client_address[0]])[0]
                    parts = url.path.split("/")
                    status = 404
                    if url.path.startswith("/boot/") and ".." not in parts and "/" not in ip:
                        f = os.path.join(by_ip, ip, url.path[len("/boot/"):])
                        if os.path.isfile(f):
                            status = 200
                            self.send_response(200)
                            self.send_header("Content-Length", str(os.path.getsize(f)))
                            self.end_headers()
                            with open(f, "rb") as src:
                                shutil.copyfileobj(src, self.wfile)
                    if status != 200:
                        self.send_error(status)
                    print("GET", self.path, status, flush=True)

                def log_message(self, *args):
                    pass

            http.server.ThreadingHTTPServer((address, 80), Boot).serve_forever()
            """;

    /** A node's TFTP folder, as dnsmasq names the files it sends from it. */
    public Path nodeFolder(String mac) {
        return dir.resolve("nodes").resolve(mac.replace(':', '-'));
    }

    /** dnsmasq's log. */
    public Path log() {
        return log;
    }

    public String logText() {
        return textOf(log);
    }

    /** A log's text so far, for assertions and failure messages: empty before it exists. */
    private static String textOf(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** The registry's lines: "MAC IP node MODEL" or "MAC IP unknown". */
    public List<String> registry() throws IOException {
        return Files.readAllLines(dir.resolve("registry"));
    }
}
