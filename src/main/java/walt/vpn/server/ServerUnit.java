package walt.vpn.server;

import java.nio.file.Path;

/**
 * The daemon's systemd unit, in its two installations: from a checkout, {@code init} writes it
 * with the jar it copied; the Debian package ships it, running the package's command.
 */
public final class ServerUnit {

    public static final String NAME = "walt-vpn-server.service";
    /** The daemon's heap: the registry and a few hundred sessions' buffers. */
    private static final String HEAP = "-Xmx256m";

    private ServerUnit() {
    }

    static String forCheckout(Path java, Path jar, Path stateDir) {
        return render(java + " " + HEAP + " -jar " + jar + " vpn-server run --state-dir " + stateDir, null, null);
    }

    /**
     * The package's: until {@code walt-vpn server init} has made the CA, the unit does not
     * start (an installed, enabled service is then not a failed one).
     */
    public static String forPackage(Path command, ServerPaths paths) {
        return render(command + " server run --state-dir " + paths.stateDir(), "WALT_JAVA_OPTS=" + HEAP,
                paths.caPub().toString());
    }

    private static String render(String execStart, String environment, String condition) {
        ServerPaths.checkSafe(Path.of(execStart.substring(0, execStart.indexOf(' '))));
        StringBuilder s = new StringBuilder();
        s.append("[Unit]\n");
        s.append("Description=WalT VPN server (enrolment, node registry, tunnel taps)\n");
        s.append("After=network.target ssh.service\n");
        if (condition != null) {
            s.append("ConditionPathExists=").append(condition).append('\n');
        }
        s.append("\n[Service]\n");
        if (environment != null) {
            s.append("Environment=").append(environment).append('\n');
        }
        s.append("ExecStart=").append(execStart).append('\n');
        s.append("Restart=on-failure\n");
        s.append("RuntimeDirectory=walt-vpn\n");
        s.append("RuntimeDirectoryPreserve=yes\n");
        s.append("\n[Install]\n");
        s.append("WantedBy=multi-user.target\n");
        return s.toString();
    }
}
