package walt.vpn.server;

import java.nio.file.Path;

/**
 * Where the server side keeps things. Every path here ends up in sshd's configuration or in a
 * script sshd runs, so it must be absolute and free of anything a config parser or a shell
 * would read as syntax.
 */
public record ServerPaths(Path stateDir, Path runDir, Path sshdDropIn, Path libexecDir) {

    public static final Path DEFAULT_STATE = Path.of("/var/lib/walt/vpn");

    public ServerPaths {
        for (Path p : new Path[] {stateDir, runDir, sshdDropIn, libexecDir}) {
            checkSafe(p);
        }
    }

    /** Where the Debian package puts the commands sshd runs. */
    public static final Path PACKAGE_LIBEXEC = Path.of("/usr/libexec/walt-vpn");

    /** The paths the Debian package's files (sshd drop-in, unit, enrolment commands) name. */
    public static ServerPaths packaged() {
        return new ServerPaths(DEFAULT_STATE, Path.of("/run/walt-vpn"), Path.of("/etc/ssh/sshd_config.d/walt-vpn.conf"),
                PACKAGE_LIBEXEC);
    }

    public static ServerPaths defaults(Path stateDir) {
        return new ServerPaths(stateDir, Path.of("/run/walt-vpn"), Path.of("/etc/ssh/sshd_config.d/walt-vpn.conf"),
                Path.of("/usr/local/lib/walt-vpn"));
    }

    public Path caKey() {
        return stateDir.resolve("ca");
    }

    public Path caPub() {
        return stateDir.resolve("ca.pub");
    }

    public Path bootstrapKey() {
        return stateDir.resolve("bootstrap");
    }

    public Path bootstrapPub() {
        return stateDir.resolve("bootstrap.pub");
    }

    public Path principals() {
        return stateDir.resolve("principals");
    }

    public Path krl() {
        return stateDir.resolve("revoked.krl");
    }

    public Path auditLog() {
        return stateDir.resolve("audit.log");
    }

    public Path registryDir() {
        return stateDir.resolve("registry");
    }

    /** Where the enrolment command asks the daemon; group {@code walt-vpn-enroll} may connect. */
    public Path enrolSocket() {
        return runDir.resolve("enroll.sock");
    }

    /** Where the operator's commands talk to the daemon; root only. */
    public Path adminSocket() {
        return runDir.resolve("admin.sock");
    }

    public Path enrolCommand() {
        return libexecDir.resolve("enroll");
    }

    public Path enrolKeysCommand() {
        return libexecDir.resolve("enroll-keys");
    }

    public Path installedJar() {
        return libexecDir.resolve("walt-vpn.jar");
    }

    static void checkSafe(Path p) {
        String s = p.toString();
        if (!p.isAbsolute() || !s.matches("[A-Za-z0-9/._+-]+") || s.contains("/../") || s.endsWith("/..")) {
            throw new IllegalArgumentException("path must be absolute and plain (letters, digits, / . _ + -): "
                    + s.replaceAll("[^\\x20-\\x7e]", "?"));
        }
    }
}
