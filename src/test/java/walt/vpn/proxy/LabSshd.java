package walt.vpn.proxy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import walt.vpn.testing.NetworkLab;
import walt.vpn.testing.Tools;

/**
 * A real sshd on a lab host, as a proxy or server runs it, except {@code UsePAM no} (the
 * strictest case for account checks) and root's keys in {@code /etc/ssh/root_keys}, so the
 * machine's own root account is never touched.
 */
final class LabSshd {

    private LabSshd() {
    }

    /** Makes the host's ed25519 host key and config, starts sshd and waits until it listens. */
    static Path start(NetworkLab lab, NetworkLab.Host host, String rootKey) throws IOException, InterruptedException {
        Path etc = host.etcSsh();
        Path hostKey = etc.resolve("ssh_host_ed25519_key");
        if (!Files.exists(hostKey)) {
            Tools.Result made = Tools.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", host.namespace(), "-f", hostKey.toString());
            if (made.exit() != 0) {
                throw new IOException("ssh-keygen: " + made.all());
            }
        }
        NetworkLab.write(etc.resolve("root_keys"), rootKey + "\n");
        NetworkLab.write(etc.resolve("sshd_config"), String.join("\n",
                "Port 22",
                "HostKey /etc/ssh/ssh_host_ed25519_key",
                "UsePAM no",
                "PidFile none",
                "LogLevel VERBOSE",
                "Match User root",
                "  AuthorizedKeysFile /etc/ssh/root_keys",
                ""));
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
