package walt.vpn.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A real sshd on a lab host, as a proxy or server runs it, except {@code UsePAM no} (the
 * strictest case for account checks) and, when root may log in, root's keys in
 * {@code /etc/ssh/root_keys}, so the machine's own root account is never touched.
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
        Path etc = host.etcSsh();
        Path hostKey = etc.resolve("ssh_host_ed25519_key");
        if (!Files.exists(hostKey)) {
            Tools.Result made = Tools.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", host.namespace(), "-f", hostKey.toString());
            if (made.exit() != 0) {
                throw new IOException("ssh-keygen: " + made.all());
            }
        }
        List<String> config = new java.util.ArrayList<>(List.of(
                "Port 22",
                "HostKey /etc/ssh/ssh_host_ed25519_key",
                "UsePAM no",
                "PidFile none",
                "LogLevel VERBOSE"));
        config.addAll(more);
        config.add("");
        NetworkLab.write(etc.resolve("sshd_config"), String.join("\n", config));
        // sshd's privilege separation directory; the package makes it only when its service starts.
        lab.createDirectory(Path.of("/run/sshd"));
        Path log = lab.dir().resolve(host.namespace() + "-sshd.log");
        Process sshd = lab.start(host, log, List.of("/usr/sbin/sshd", "-D", "-e", "-f", "/etc/ssh/sshd_config"));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains("Server listening on")) {
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
