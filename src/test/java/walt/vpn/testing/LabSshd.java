package walt.vpn.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A real sshd on a lab host, as a proxy or server runs it, except {@code UsePAM no} (the
 * strictest case for account checks) and, when root may log in, root's keys in
 * {@code /etc/ssh/root_keys}, so the machine's own root account is never touched;
 * {@link #startWithOwnRun} leaves the whole configuration to its caller.
 */
public final class LabSshd {

    private LabSshd() {
    }

    /** Makes the host's ed25519 host key and config, starts sshd and waits until it listens. */
    public static Path start(NetworkLab lab, NetworkLab.Host host, String rootKey) throws IOException, InterruptedException {
        NetworkLab.write(host.etcSsh().resolve("root_keys"), rootKey + "\n");
        return start(lab, host, List.of("Match User root", "  AuthorizedKeysFile /etc/ssh/root_keys"));
    }

    /**
     * The same sshd with {@code more} lines after the common ones (say an {@code Include} of
     * the server's drop-in): a server that root does not log in to.
     */
    public static Path start(NetworkLab lab, NetworkLab.Host host, List<String> more) throws IOException, InterruptedException {
        List<String> config = new ArrayList<>(List.of(
                "Port 22",
                "HostKey /etc/ssh/ssh_host_ed25519_key",
                "UsePAM no",
                "PidFile none",
                "LogLevel VERBOSE"));
        config.addAll(more);
        // sshd's privilege separation directory; the package makes it only when its service starts.
        lab.createDirectory(Path.of("/run/sshd"));
        return launch(lab, host, config);
    }

    /**
     * An sshd as a machine of its own runs it, for scripts that change its configuration and
     * reload it: {@code config} is all of sshd_config after the port and host key (UsePAM
     * included; sshd's default is no). The host gets a /run of its own (a tmpfs in its mount
     * namespace), where sshd writes /run/sshd.pid: a script on the host finds this sshd there and
     * no other, and does not see this machine's systemd, whose reload would reach this machine's
     * sshd instead.
     */
    public static Path startWithOwnRun(NetworkLab lab, NetworkLab.Host host, List<String> config) throws IOException, InterruptedException {
        Tools.Result mounted = lab.run(host, "/bin/sh", "-c",
                "awk '$1 == \"lab-run\" && $2 == \"/run\" { found = 1 } END { exit !found }' /proc/self/mounts"
                        + " || mount -t tmpfs -o mode=0755 lab-run /run; mkdir -p -m 0755 /run/sshd");
        if (mounted.exit() != 0) {
            throw new IOException("a /run of its own for " + host.namespace() + ": " + mounted.all());
        }
        List<String> all = new ArrayList<>(List.of(
                "Port 22",
                "HostKey /etc/ssh/ssh_host_ed25519_key",
                "PidFile /run/sshd.pid",
                "LogLevel VERBOSE"));
        all.addAll(config);
        return launch(lab, host, all);
    }

    /** How many times the sshd logging to {@code log} has restarted on SIGHUP so far. */
    public static int reloads(Path log) throws IOException {
        return occurrences(Files.readString(log), "Received SIGHUP");
    }

    /**
     * Waits until the sshd logging to {@code log} has restarted on SIGHUP more than
     * {@code before} times and listens again on every address it listened on at first; false
     * if that did not happen within {@code timeoutMillis}.
     */
    public static boolean awaitReload(Path log, int before, long timeoutMillis) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (true) {
            String text = Files.readString(log);
            int hup = text.lastIndexOf("Received SIGHUP");
            if (occurrences(text, "Received SIGHUP") > before) {
                int firstHup = text.indexOf("Received SIGHUP");
                int addresses = occurrences(text.substring(0, firstHup), LISTENING);
                if (occurrences(text.substring(hup), LISTENING) >= addresses) {
                    return true;
                }
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
    }

    private static final String LISTENING = "Server listening on";

    private static int occurrences(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + part.length())) {
            n++;
        }
        return n;
    }

    /** Makes the host key if absent, writes the config, starts sshd and waits until it listens. */
    private static Path launch(NetworkLab lab, NetworkLab.Host host, List<String> config) throws IOException, InterruptedException {
        Path etc = host.etcSsh();
        Path hostKey = etc.resolve("ssh_host_ed25519_key");
        if (!Files.exists(hostKey)) {
            Tools.Result made = Tools.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", host.namespace(), "-f", hostKey.toString());
            if (made.exit() != 0) {
                throw new IOException("ssh-keygen: " + made.all());
            }
        }
        List<String> lines = new ArrayList<>(config);
        lines.add("");
        NetworkLab.write(etc.resolve("sshd_config"), String.join("\n", lines));
        Path log = lab.dir().resolve(host.namespace() + "-sshd.log");
        Process sshd = lab.start(host, log, List.of("/usr/sbin/sshd", "-D", "-e", "-f", "/etc/ssh/sshd_config"));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains(LISTENING)) {
                return log;
            }
            if (!sshd.isAlive()) {
                break;
            }
            Thread.sleep(20);
        }
        throw new IOException("sshd on " + host.namespace() + " did not start: " + (Files.exists(log) ? Files.readString(log) : "no log"));
    }
}
