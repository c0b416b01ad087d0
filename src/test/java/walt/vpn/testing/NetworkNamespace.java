package walt.vpn.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A network namespace standing for one host (server, proxy, node) in a test: commands run in
 * it through {@code ip netns exec}; processes started in it are stopped and the namespace
 * deleted on {@link #close()}.
 */
public final class NetworkNamespace implements AutoCloseable {

    private final String name;
    private final List<Process> processes = new ArrayList<>();

    private NetworkNamespace(String name) {
        this.name = name;
    }

    /** Skips the calling test unless namespaces can be made here (root, iproute2). */
    public static void requireSupport() throws IOException, InterruptedException {
        Tools.requireRoot();
        Tools.require("ip");
        Tools.Result r = Tools.run(List.of("ip", "netns", "list"), Path.of("/"), 30);
        assumeTrue(r.exit() == 0, "ip netns does not work here: " + r.all());
    }

    public static NetworkNamespace create(String name) throws IOException, InterruptedException {
        Tools.run(List.of("ip", "netns", "del", name), Path.of("/"), 30);
        check(Tools.run(List.of("ip", "netns", "add", name), Path.of("/"), 30), "ip netns add " + name);
        NetworkNamespace ns = new NetworkNamespace(name);
        ns.ip("link", "set", "lo", "up");
        return ns;
    }

    public String name() {
        return name;
    }

    /** A cable between two hosts: {@code ifA} with {@code addrA} here, {@code ifB} with {@code addrB} there (CIDR). */
    public void link(String ifA, String addrA, NetworkNamespace other, String ifB, String addrB)
            throws IOException, InterruptedException {
        check(Tools.run(List.of("ip", "link", "add", ifA, "netns", name, "type", "veth", "peer", "name", ifB, "netns",
                other.name), Path.of("/"), 30), "veth " + ifA);
        ip("addr", "add", addrA, "dev", ifA);
        ip("link", "set", ifA, "up");
        other.ip("addr", "add", addrB, "dev", ifB);
        other.ip("link", "set", ifB, "up");
    }

    public Tools.Result ip(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        return check(exec(cmd, 30), String.join(" ", cmd));
    }

    /** Runs a command to completion in this namespace. */
    public Tools.Result exec(List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        return Tools.run(wrap(command), Path.of("/"), timeoutSeconds);
    }

    /** Starts a long-running command here, output to {@code log}; stopped on close. */
    public Process start(List<String> command, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(wrap(command)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.PIPE);
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private List<String> wrap(List<String> command) {
        List<String> cmd = new ArrayList<>(List.of(Tools.find("ip"), "netns", "exec", name));
        cmd.addAll(command);
        return cmd;
    }

    private static Tools.Result check(Tools.Result r, String what) throws IOException {
        if (r.exit() != 0) {
            throw new IOException(what + " failed: " + r.all());
        }
        return r;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
        for (Process p : processes) {
            if (!p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
        }
        Tools.run(List.of("ip", "netns", "del", name), Path.of("/"), 30);
    }
}
