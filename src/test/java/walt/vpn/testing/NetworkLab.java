package walt.vpn.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Hosts for network tests on one real machine: each host is a network namespace
 * ({@code ip netns}) whose processes also see their own {@code /etc} (an overlay on the
 * machine's: accounts made there stay there), {@code /home} and {@code /etc/ssh}, in a private
 * mount namespace kept for the host's life (every process of a host must see the same overlay);
 * so several sshd and their accounts live side by side, and the machine's own accounts are
 * never touched. Each host has its own /sys too, so /sys/class/net lists its own network
 * devices. Hosts are joined by veth pairs. {@link #close()} stops every
 * process started here and removes the namespaces and the files, whatever state the test left.
 */
public final class NetworkLab implements AutoCloseable {

    /** One machine of the lab. {@code dir} holds what it sees as /home and /etc/ssh. */
    public record Host(String namespace, Path dir) {
        public Path home() {
            return dir.resolve("home");
        }

        public Path etcSsh() {
            return dir.resolve("etc-ssh");
        }

        Path etcUpper() {
            return dir.resolve("etc-upper");
        }

        Path etcWork() {
            return dir.resolve("etc-work");
        }

        /** The bind-mounted handle that keeps the host's mount namespace alive between commands. */
        Path mountNamespace() {
            return dir.resolve("mnt-ns");
        }
    }

    private static final List<String> ACCOUNT_FILES = List.of("passwd", "shadow", "group", "gshadow");

    private final String prefix;
    private final Path dir;
    private final List<String> absentAccounts;
    private final List<Host> hosts = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final List<Path> madeOutside = new ArrayList<>();
    private int links;

    private NetworkLab(String prefix, Path dir, List<String> absentAccounts) {
        this.prefix = prefix;
        this.dir = dir;
        this.absentAccounts = List.copyOf(absentAccounts);
    }

    /**
     * Skips the calling test unless it runs as root with {@code ip netns} and {@code unshare}.
     * The hosts' /etc lacks {@code absentAccounts} even where this machine has them (other
     * tests on this machine may have made them).
     */
    public static NetworkLab open(String name, String... absentAccounts) throws IOException, InterruptedException {
        Tools.requireRoot();
        Tools.require("ip");
        Tools.require("unshare");
        // Short and unique per JVM: interface names hold 15 characters.
        String prefix = "w" + Long.toString(ProcessHandle.current().pid() % 46656, 36);
        Tools.Result probe = Tools.run("ip", "netns", "add", prefix + "-probe");
        assumeTrue(probe.exit() == 0, "ip netns unavailable: " + probe.stderr().trim());
        Tools.run("ip", "netns", "del", prefix + "-probe");
        Tools.require("nsenter");
        Path dir = Files.createTempDirectory("walt-" + name + "-");
        // A mount namespace handle may only be bound under a private mount.
        check(Tools.run("mount", "--bind", dir.toString(), dir.toString()));
        check(Tools.run("mount", "--make-private", dir.toString()));
        return new NetworkLab(prefix, dir, List.of(absentAccounts));
    }

    public Path dir() {
        return dir;
    }

    public Host addHost(String name) throws IOException, InterruptedException {
        Host host = new Host(prefix + "-" + name, dir.resolve(name));
        Files.createDirectories(host.home());
        Files.createDirectories(host.etcSsh());
        Files.createDirectories(host.etcWork());
        Files.createDirectories(host.etcUpper());
        for (String file : ACCOUNT_FILES) {
            copyWithoutAccounts(Path.of("/etc", file), host.etcUpper().resolve(file));
        }
        hosts.add(host);
        Files.createFile(host.mountNamespace());
        check(Tools.run(List.of(Tools.find("unshare"), "--mount=" + host.mountNamespace(), "--propagation", "private", "/bin/sh", "-c",
                "mount -t overlay lab-etc -o \"lowerdir=/etc,upperdir=$1,workdir=$2\" /etc"
                        + " && mount --bind \"$3\" /home && mount --bind \"$4\" /etc/ssh",
                "lab-host", host.etcUpper().toString(), host.etcWork().toString(), host.home().toString(), host.etcSsh().toString()),
                null, 30));
        check(Tools.run("ip", "netns", "add", host.namespace()));
        check(Tools.run("ip", "-n", host.namespace(), "link", "set", "lo", "up"));
        // sysfs shows the network devices of the namespace that mounted it: without its own,
        // the host's /sys/class/net would list this machine's interfaces, not the host's.
        check(Tools.run(inside(host, List.of("mount", "-t", "sysfs", "lab-sys", "/sys")), null, 30, Map.of()));
        return host;
    }

    /** A veth pair between two hosts, with an address (CIDR) on each end. */
    public void link(Host a, String addressA, Host b, String addressB) throws IOException, InterruptedException {
        links++;
        String endA = prefix + "a" + links;
        String endB = prefix + "b" + links;
        check(Tools.run("ip", "link", "add", endA, "netns", a.namespace(), "type", "veth", "peer", "name", endB, "netns", b.namespace()));
        check(Tools.run("ip", "-n", a.namespace(), "addr", "add", addressA, "dev", endA));
        check(Tools.run("ip", "-n", b.namespace(), "addr", "add", addressB, "dev", endB));
        check(Tools.run("ip", "-n", a.namespace(), "link", "set", endA, "up"));
        check(Tools.run("ip", "-n", b.namespace(), "link", "set", endB, "up"));
    }

    /** Makes an empty directory outside the lab (say /run/sshd) if absent, removed again on close. */
    public void createDirectory(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            Files.createDirectories(directory);
            madeOutside.add(directory);
        }
    }

    /** Runs a command on a host and waits for it (at most a minute). */
    public Tools.Result run(Host host, List<String> command) throws IOException, InterruptedException {
        return run(host, 60, Map.of(), command);
    }

    public Tools.Result run(Host host, String... command) throws IOException, InterruptedException {
        return run(host, List.of(command));
    }

    /** Runs a command on a host with extra environment variables and waits for it, at most {@code timeoutSeconds}. */
    public Tools.Result run(Host host, long timeoutSeconds, Map<String, String> env, List<String> command)
            throws IOException, InterruptedException {
        return Tools.run(inside(host, command), null, timeoutSeconds, env);
    }

    /** Runs a command on a host, failing the test unless it succeeds. */
    public Tools.Result ok(Host host, String... command) throws IOException, InterruptedException {
        Tools.Result r = run(host, command);
        if (r.exit() != 0) {
            throw new AssertionError("on " + host.namespace() + ", " + String.join(" ", command) + " failed: " + r.all());
        }
        return r;
    }

    /** Starts a long-running command on a host; its output (both streams) is appended to {@code log}. */
    public Process start(Host host, Path log, List<String> command) throws IOException {
        return start(host, Map.of(), log, command);
    }

    /**
     * As above, with extra environment variables. Its standard input stays open (a pipe nobody
     * writes to), as for a service: a client reading it does not see an end of file.
     */
    public Process start(Host host, Map<String, String> env, Path log, List<String> command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(inside(host, command)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("LC_ALL", "C");
        pb.environment().putAll(env);
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    /** Stops a process started here and everything it started: politely, then by force. */
    public static void stop(Process p) throws InterruptedException {
        p.descendants().forEach(ProcessHandle::destroy);
        p.destroy();
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** The account files as the upper layer of the host's /etc, with their modes, without the absent accounts. */
    private void copyWithoutAccounts(Path source, Path target) throws IOException {
        if (!Files.exists(source)) {
            return;
        }
        List<String> kept = Files.readAllLines(source, StandardCharsets.UTF_8).stream()
                .filter(line -> absentAccounts.stream().noneMatch(a -> line.startsWith(a + ":"))).toList();
        Files.write(target, kept, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(target, Files.getPosixFilePermissions(source));
        Files.setAttribute(target, "posix:group", Files.getAttribute(source, "posix:group"));
    }

    private static List<String> inside(Host host, List<String> command) {
        List<String> cmd = new ArrayList<>(List.of(Tools.find("nsenter"), "--net=/run/netns/" + host.namespace(),
                "--mount=" + host.mountNamespace(), "--"));
        cmd.addAll(command);
        return cmd;
    }

    private static void check(Tools.Result r) throws IOException {
        if (r.exit() != 0) {
            throw new IOException("lab setup failed: " + r.all().trim());
        }
    }

    @Override
    public void close() throws IOException {
        try {
            stopAndRemove();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while cleaning up the lab in " + dir, e);
        }
    }

    private void stopAndRemove() throws IOException, InterruptedException {
        for (Process p : processes) {
            // Children first: ip netns exec and unshare exec into the command, so this is the process itself.
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor();
        }
        for (Host host : hosts) {
            // Processes someone else started on the host (daemons that detached) go too.
            for (String pid : Tools.run("ip", "netns", "pids", host.namespace()).stdout().split("\\s+")) {
                if (!pid.isBlank()) {
                    ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
            Tools.run("ip", "netns", "del", host.namespace());
            Tools.run("umount", host.mountNamespace().toString());
        }
        Tools.run("umount", dir.toString());
        for (Path p : madeOutside) {
            Files.deleteIfExists(p);
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Writes a text file, creating its folder. */
    public static Path write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
