package walt.vpn.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import walt.vpn.disk.AtomicOutput;
import walt.vpn.ssh.HostKeyFiles;
import walt.vpn.ssh.LocalHostName;
import walt.vpn.ssh.NextHop;
import walt.vpn.proxy.ProxyInstallException;
import walt.vpn.proxy.ProxySetupScript;
import walt.vpn.proxy.RemoteScriptRunner;
import walt.vpn.proxy.SshDestination;
import walt.vpn.proxy.VpnKeys;

@Command(name = "setup-proxy", mixinStandardHelpOptions = true,
        description = {"Write the POSIX sh script that turns a machine with OpenSSH into a VPN proxy (or entrypoint):",
            "it creates the account walt-vpn, whose bootstrap key and node certificates may only forward to the next hop,",
            "and prints the proxy's host keys to pin (lines 'host-key: TYPE BASE64'). Run it as root on the proxy."})
final class SetupProxyCommand implements Callable<Integer> {

    @Option(names = "--state-dir", paramLabel = "DIR", description = "Server state with bootstrap.pub and ca.pub (default: ${DEFAULT-VALUE}).")
    Path stateDir = VpnKeys.DEFAULT_STATE_DIR;

    @Option(names = "--next", paramLabel = "HOST[:PORT]",
            description = "The next hop as nodes ask for it: the server (default: `hostname -f`, port 22), or the next proxy of a chain.")
    String next;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the script here (mode 0755) instead of standard output.")
    Path output;

    @Option(names = "--install", paramLabel = "USER@HOST[:PORT]",
            description = "Also run the script there over SSH (as root, or through sudo -n); its host key must be in --known-hosts.")
    String install;

    @Option(names = "--server-host-keys", paramLabel = "DIR",
            description = "Where the server's ssh_host_*_key.pub are, which the script refuses to run beside (default: ${DEFAULT-VALUE}).")
    Path serverHostKeys = HostKeyFiles.DEFAULT_DIR;

    @Option(names = "--known-hosts", paramLabel = "FILE", description = "Host keys for --install (default: ~/.ssh/known_hosts).")
    Path knownHosts;

    @Option(names = {"-i", "--identity"}, paramLabel = "FILE",
            description = "Private key for --install, repeatable (default: ~/.ssh/id_ed25519, id_ecdsa, id_rsa).")
    List<Path> identities;

    @Override
    public Integer call() throws IOException, ProxyInstallException {
        NextHop nextHop = NextHop.parse(next != null ? next : LocalHostName.fullyQualified());
        SshDestination destination = install == null ? null : SshDestination.parse(install);
        String script = new ProxySetupScript(nextHop, VpnKeys.read(stateDir), HostKeyFiles.read(serverHostKeys)).render();
        if (output != null) {
            write(script, output);
        } else if (destination == null) {
            System.out.print(script);
            System.out.flush();
        }
        if (destination == null) {
            return 0;
        }
        Path home = Path.of(System.getProperty("user.home"));
        RemoteScriptRunner runner = new RemoteScriptRunner(
                knownHosts != null ? knownHosts : home.resolve(".ssh/known_hosts"),
                identities != null ? identities : RemoteScriptRunner.defaultIdentities(home));
        return runner.run(destination, script, System.out, System.err);
    }

    private static void write(String script, Path target) throws IOException {
        try (AtomicOutput out = new AtomicOutput(target)) {
            Files.writeString(out.tempPath(), script, StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(out.tempPath(), PosixFilePermissions.fromString("rwxr-xr-x"));
            out.commit();
        }
    }
}
