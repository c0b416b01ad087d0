package walt.vpn.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;
import walt.vpn.server.ServerPaths;

/** Where the server side lives: options shared by the server and operator commands. */
final class ServerLocation {

    private static final Path CHECKOUT_LIBEXEC = Path.of("/usr/local/lib/walt-vpn");

    @Option(names = "--state-dir", description = "Server state: CA, keys, registry (default: ${DEFAULT-VALUE}).",
            defaultValue = "/var/lib/walt/vpn")
    Path stateDir;

    @Option(names = "--run-dir", description = "The daemon's sockets (default: ${DEFAULT-VALUE}).", defaultValue = "/run/walt-vpn")
    Path runDir;

    @Option(names = "--sshd-drop-in", description = "sshd configuration drop-in (default: ${DEFAULT-VALUE}).",
            defaultValue = "/etc/ssh/sshd_config.d/walt-vpn.conf")
    Path dropIn;

    @Option(names = "--libexec-dir", description = "Where the commands sshd runs are installed (default: "
            + "/usr/local/lib/walt-vpn from a checkout, /usr/libexec/walt-vpn from the Debian package).")
    Path libexecDir;

    @Option(names = "--bridge", description = "The bridge node taps join (default: ${DEFAULT-VALUE}).", defaultValue = "walt-net")
    String bridge;

    @Option(names = "--no-bridge", description = "Do not create the bridge (it exists, or WalT makes it).")
    boolean noBridge;

    /** Whether this is the Debian package's command, whose server files the package installed. */
    static boolean packaged() {
        return CommandTree.PACKAGE_ROOT.equals(CommandTree.rootName());
    }

    ServerPaths paths() {
        Path libexec = libexecDir != null ? libexecDir
                : packaged() ? ServerPaths.PACKAGE_LIBEXEC : CHECKOUT_LIBEXEC;
        return new ServerPaths(stateDir.toAbsolutePath(), runDir.toAbsolutePath(), dropIn.toAbsolutePath(),
                libexec.toAbsolutePath());
    }
}
