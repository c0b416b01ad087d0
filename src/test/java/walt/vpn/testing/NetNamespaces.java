package walt.vpn.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Network namespaces, one per simulated host, with real processes in them. Everything made
 * here is undone by {@link #close()}, which the tests call from {@code @AfterAll} so that a
 * failed test leaves no namespace, link or process behind. Names carry a per-run prefix so
 * that tests of other parts running on the same machine never meet these.
 */
public final class NetNamespaces implements AutoCloseable {

    private final String prefix;
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    /** {@code prefix} should be short: namespace names show up in `ip netns` and in messages. */
    public NetNamespaces(String prefix) {
        this.prefix = prefix + "-" + ProcessHandle.current().pid() + "-";
    }

    /** Skips the calling test unless it runs as root with `ip` and network namespaces available. */
    public static void require() throws IOException, InterruptedException {
        Tools.requireRoot();
        Tools.require("ip");
        String probe = "wvprobe-" + ProcessHandle.current().pid();
        Tools.Result r = Tools.run("ip", "netns", "add", probe);
        Tools.run("ip", "netns", "del", probe);
        org.junit.jupiter.api.Assumptions.assumeTrue(r.exit() == 0, "network namespaces unavailable: " + r.stderr());
    }

    /** Makes namespace {@code role} (loopback up) and returns its full name. */
    public String add(String role) throws IOException, InterruptedException {
        String ns = prefix + role;
        Tools.run("ip", "netns", "del", ns); // a leftover of a killed run
        check(Tools.run("ip", "netns", "add", ns));
        namespaces.add(ns);
        check(Tools.run("ip", "-n", ns, "link", "set", "lo", "up"));
        return ns;
    }

    /** A veth pair between two namespaces, each end with an address (CIDR) and up. */
    public void link(String ns1, String if1, String addr1, String ns2, String if2, String addr2)
            throws IOException, InterruptedException {
        check(Tools.run("ip", "link", "add", if1, "netns", ns1, "type", "veth", "peer", "name", if2, "netns", ns2));
        check(Tools.run("ip", "-n", ns1, "addr", "add", addr1, "dev", if1));
        check(Tools.run("ip", "-n", ns2, "addr", "add", addr2, "dev", if2));
        check(Tools.run("ip", "-n", ns1, "link", "set", if1, "up"));
        check(Tools.run("ip", "-n", ns2, "link", "set", if2, "up"));
    }

    /** Runs a command in {@code ns} to its end. */
    public Tools.Result run(String ns, long timeoutSeconds, Map<String, String> env, String... command)
            throws IOException, InterruptedException {
        return Tools.run(inNs(ns, command), null, timeoutSeconds, env);
    }

    /** Runs a command in {@code ns}, failing the test unless it succeeds. */
    public Tools.Result ok(String ns, String... command) throws IOException, InterruptedException {
        return check(run(ns, 60, Map.of(), command));
    }

    /** Starts a long-running command in {@code ns}, its output (both streams) appended to {@code log}. */
    public Process start(String ns, Map<String, String> env, Path log, String... command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(inNs(ns, command)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("LC_ALL", "C");
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        processes.add(p);
        return p;
    }

    /** Stops a process started here and everything it started. */
    public static void stop(Process p) throws InterruptedException {
        p.descendants().forEach(ProcessHandle::destroy);
        p.destroy();
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        for (Process p : processes) {
            stop(p);
        }
        for (String ns : namespaces) {
            // Processes someone else started in the namespace (daemons that detached) go too.
            Tools.Result pids = Tools.run("ip", "netns", "pids", ns);
            for (String pid : pids.stdout().split("\\s+")) {
                if (!pid.isBlank()) {
                    ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
            Tools.run("ip", "netns", "del", ns);
        }
    }

    private static List<String> inNs(String ns, String... command) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        cmd.addAll(List.of(command));
        return cmd;
    }

    private static Tools.Result check(Tools.Result r) {
        assertEquals(0, r.exit(), () -> "failed: " + r.all());
        return r;
    }
}
