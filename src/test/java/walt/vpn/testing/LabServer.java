package walt.vpn.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A WalT VPN server for tests, installed as an operator would: {@code walt vpn-server init}
 * and {@code run} from the packaged jar, and a real sshd with the generated drop-in listening
 * on one address and port, on this machine or on a {@link NetworkLab} host. Everything lives
 * under a root-owned folder in /run (sshd refuses paths others can write to); {@link #close()}
 * stops the processes, removes the accounts it created and, on this machine, puts
 * /dev/net/tun back as it was. A lab host has its own accounts and its own 0600 node of the
 * tun device bound over /dev/net/tun, so this machine's are never touched there.
 */
public final class LabServer implements AutoCloseable {

    public static final String ENROL_USER = "walt-vpn-enroll";
    public static final String TUNNEL_USER = "walt-vpn";

    private final Path base;
    private final NetworkLab lab;
    private final NetworkLab.Host host;
    private final String bridge;
    private final List<Process> processes = new ArrayList<>();
    private final List<String> createdUsers = new ArrayList<>();
    private Process sshd;
    private Process daemon;
    private final Object tunGroup;
    private final Set<PosixFilePermission> tunMode;

    private LabServer(Path base, NetworkLab lab, NetworkLab.Host host, String bridge) throws IOException {
        this.base = base;
        this.lab = lab;
        this.host = host;
        this.bridge = bridge;
        this.tunGroup = Files.getAttribute(Path.of("/dev/net/tun"), "posix:group");
        this.tunMode = Files.getPosixFilePermissions(Path.of("/dev/net/tun"));
    }

    /** Installs and starts a server on this machine: state under {@code base}, sshd on {@code address:port}, node taps joining {@code bridge}. */
    public static LabServer start(Path base, String address, int port, String bridge) throws Exception {
        return start(base, null, null, address, port, bridge);
    }

    /** The same on {@code host} of {@code lab}. */
    public static LabServer start(Path base, NetworkLab lab, NetworkLab.Host host, String address, int port, String bridge)
            throws Exception {
        deleteTree(base);
        Files.createDirectories(base);
        Files.setPosixFilePermissions(base, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        LabServer s = new LabServer(base, lab, host, bridge);
        try {
            if (host != null) {
                // The daemon opens a 0600 /dev/net/tun to the tunnel account through its group:
                // the host's own node of the device takes that change.
                Path tun = lab.dir().resolve(host.namespace() + "-tun");
                Tools.Result mknod = Tools.run("mknod", "-m", "0600", tun.toString(), "c", "10", "200");
                if (mknod.exit() != 0) {
                    throw new IOException("mknod: " + mknod.all());
                }
                lab.ok(host, "mount", "--bind", tun.toString(), "/dev/net/tun");
            }
            for (String u : List.of(ENROL_USER, TUNNEL_USER)) {
                if (s.exec(List.of("id", "-u", u), 10).exit() != 0) {
                    s.createdUsers.add(u);
                }
            }
            Tools.Result init = s.exec(s.walt("vpn-server", "init", "--systemd-dir", "/nonexistent"), 120);
            if (init.exit() != 0) {
                throw new IOException("walt vpn-server init failed: " + init.all());
            }
            Tools.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", base.resolve("hostkey").toString()), base, 30);
            Files.writeString(base.resolve("sshd_config"), String.join("\n",
                    "ListenAddress " + address + ":" + port, "HostKey " + base.resolve("hostkey"),
                    "PidFile " + base.resolve("sshd.pid"), "UsePAM no", "StrictModes yes", "LogLevel VERBOSE",
                    "AllowUsers " + ENROL_USER + " " + TUNNEL_USER,
                    "Include " + base.resolve("sshd/walt-vpn.conf"), ""));
            Files.createDirectories(Path.of("/run/sshd"));
            Tools.Result check = s.exec(List.of(Tools.find("sshd"), "-t", "-f", base.resolve("sshd_config").toString()), 30);
            if (check.exit() != 0) {
                throw new IOException("sshd refuses the drop-in: " + check.all());
            }
            s.startSshd();
            s.startDaemon();
            return s;
        } catch (Exception e) {
            s.close();
            throw e;
        }
    }

    public Path base() {
        return base;
    }

    /** Starts sshd (again) and waits until it listens. */
    public void startSshd() throws Exception {
        int before = count(log("sshd.log"), "Server listening");
        sshd = background(List.of(Tools.find("sshd"), "-D", "-e", "-f", base.resolve("sshd_config").toString()), "sshd.log");
        await("sshd", () -> count(log("sshd.log"), "Server listening") > before, 60);
    }

    /** Starts the daemon (again) and waits until it serves its sockets. */
    public void startDaemon() throws Exception {
        int before = count(log("daemon.log"), "walt vpn-server: running");
        daemon = background(walt("vpn-server", "run", "--request-timeout", "120"), "daemon.log");
        await("the daemon", () -> count(log("daemon.log"), "walt vpn-server: running") > before, 60);
    }

    /** Kills the daemon at once ({@code kill -9}): no shutdown hook runs. */
    public void killDaemon() throws InterruptedException {
        daemon.destroyForcibly();
        daemon.waitFor(10, TimeUnit.SECONDS);
    }

    /** Kills sshd and every session it runs at once, as a power cut would. */
    public void killSshd() throws InterruptedException {
        sshd.descendants().forEach(ProcessHandle::destroyForcibly);
        sshd.destroyForcibly();
        sshd.waitFor(10, TimeUnit.SECONDS);
    }

    /**
     * The server host going down and up again: every process and session gone, the kernel's
     * taps and bridge forgotten; then sshd and the daemon start as at boot.
     */
    public void reboot() throws Exception {
        killSshd();
        killDaemon();
        Tools.Result links = exec(List.of("ip", "-o", "link", "show"), 10);
        for (String line : links.stdout().lines().toList()) {
            String dev = line.split(": ")[1].split("@")[0];
            if (dev.matches("tap\\d+") || dev.equals(bridge)) {
                exec(List.of("ip", "link", "del", dev), 10);
            }
        }
        startSshd();
        startDaemon();
    }

    private static int count(String text, String what) {
        return text.split(java.util.regex.Pattern.quote(what), -1).length - 1;
    }

    /** The folder with the server's ssh_host_*_key.pub (for setup-node's --server-host-keys). */
    public Path hostKeyDir() throws IOException {
        Path dir = base.resolve("hostkeys");
        if (!Files.exists(dir)) {
            Files.createDirectories(dir);
            Files.copy(base.resolve("hostkey.pub"), dir.resolve("ssh_host_ed25519_key.pub"));
        }
        return dir;
    }

    public Path stateDir() {
        return base.resolve("state");
    }

    /** The {@code walt} command line from the packaged jar, with this server's paths. */
    public List<String> walt(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-jar", Path.of(System.getProperty("walt.jar", "target/walt-vpn.jar")).toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        if (args[0].equals("vpn-server")) {
            cmd.addAll(List.of("--state-dir", stateDir().toString(), "--run-dir", base.resolve("run").toString(),
                    "--sshd-drop-in", base.resolve("sshd/walt-vpn.conf").toString(),
                    "--libexec-dir", base.resolve("lib").toString(), "--bridge", bridge));
        } else if (args[0].equals("vpn") && List.of("monitor", "nodes", "revoke").contains(args[1])) {
            cmd.addAll(List.of("--run-dir", base.resolve("run").toString()));
        }
        return cmd;
    }

    /** Runs a command where the server is, to completion. */
    public Tools.Result exec(List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        return host != null ? lab.run(host, timeoutSeconds, java.util.Map.of(), command) : Tools.run(command, base, timeoutSeconds);
    }

    /** Starts a command where the server is, output to {@code logName} in the base folder; stopped on close. */
    public Process background(List<String> command, String logName) throws IOException {
        Path log = base.resolve(logName);
        Process p = host != null ? lab.start(host, log, command)
                : new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        processes.add(p);
        return p;
    }

    /** Content of a sysfs file where the server is ({@code ""} when absent). */
    public String sys(String path) {
        try {
            Tools.Result r = exec(List.of("cat", path), 10);
            return r.exit() == 0 ? r.stdout().strip() : "";
        } catch (IOException | InterruptedException e) {
            return "";
        }
    }

    public String log(String name) {
        try {
            return Files.readString(base.resolve(name));
        } catch (IOException e) {
            return "";
        }
    }

    public interface Condition {
        boolean holds() throws Exception;
    }

    /** Waits for {@code condition}, failing with the server's logs after {@code seconds}. */
    public void await(String what, Condition condition, long seconds) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            boolean ok;
            try {
                ok = condition.holds();
            } catch (Exception e) {
                ok = false;
            }
            if (ok) {
                return;
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what + "\ndaemon: " + log("daemon.log") + "\nsshd: " + log("sshd.log"));
            }
            Thread.sleep(200);
        }
    }

    @Override
    public void close() throws Exception {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        if (host == null) {
            // The taps the daemon made (they joined our bridge), then the bridge.
            Path ports = Path.of("/sys/class/net", bridge, "brif");
            if (Files.isDirectory(ports)) {
                try (var s = Files.list(ports)) {
                    for (String dev : s.map(p -> p.getFileName().toString()).toList()) {
                        Tools.run(List.of("ip", "link", "del", dev), Path.of("/"), 10);
                    }
                }
                Tools.run(List.of("ip", "link", "del", bridge), Path.of("/"), 10);
            }
        }
        if (host == null) {
            Files.setAttribute(Path.of("/dev/net/tun"), "posix:group", tunGroup);
            Files.setPosixFilePermissions(Path.of("/dev/net/tun"), tunMode);
        }
        for (String u : createdUsers) {
            exec(List.of("userdel", u), 30);
        }
        if (System.getenv("WALT_IT_KEEP") == null) {
            deleteTree(base);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
