package walt.vpn.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import walt.vpn.disk.AtomicOutput;

/**
 * {@code walt vpn-server init}: everything the server side needs, made once and left alone
 * when present (run it again after an upgrade: it rewrites only what it owns).
 */
public final class ServerInit {

    /**
     * What to set up besides the state directory; tests turn off what belongs to the host.
     * {@code packaged}: the Debian package already installed the commands sshd runs, the sshd
     * drop-in and the unit, at {@link ServerPaths#packaged()}: they are checked, not written.
     */
    public record Scope(boolean accounts, boolean bridge, Path systemdDir, boolean packaged) {
    }

    /** H2's code for a database another process has open. */
    private static final int DATABASE_IN_USE = 90020;

    private final ServerPaths paths;
    private final String bridge;
    private final Path jar;
    private final Path java;
    private final List<String> report = new ArrayList<>();

    public ServerInit(ServerPaths paths, String bridge, Path jar, Path java) {
        ServerPaths.checkSafe(jar);
        ServerPaths.checkSafe(java);
        this.paths = paths;
        this.bridge = bridge;
        this.jar = jar;
        this.java = java;
    }

    /** Does the work; returns one line per thing made or found. */
    public List<String> run(Scope scope) throws IOException, SQLException {
        KeysMade made = ensureKeys(paths);
        note(made.ca(), "CA key " + paths.caKey());
        note(made.bootstrap(), "bootstrap key " + paths.bootstrapKey());
        Files.createDirectories(paths.registryDir());
        Files.setPosixFilePermissions(paths.registryDir(), PosixFilePermissions.fromString("rwx------"));
        SshKeygen keygen = new SshKeygen();
        if (scope.accounts()) {
            account(ServerAccounts.ENROL, "/bin/sh");
            account(ServerAccounts.TUNNEL, "/usr/sbin/nologin");
        }
        try (NodeRegistry registry = NodeRegistry.open(paths.registryDir())) {
            AuditLog audit = new AuditLog(paths.auditLog(), Clock.systemUTC());
            new NodeAuthority(paths, registry, keygen, new TapDevices(bridge, ServerAccounts.TUNNEL), audit,
                    Clock.systemUTC(), Duration.ZERO).publish();
            report.add("wrote " + paths.principals() + " and " + paths.krl());
        } catch (SQLException e) {
            // Run again while the daemon runs (say after an upgrade): the daemon holds the
            // registry and has published both files from it at its start; they are its to keep.
            if (e.getErrorCode() != DATABASE_IN_USE || !Files.exists(paths.principals()) || !Files.exists(paths.krl())) {
                throw e;
            }
            report.add("kept " + paths.principals() + " and " + paths.krl() + " (the running daemon keeps them)");
        }
        if (scope.packaged()) {
            checkPackaged();
        } else {
            install();
            write(paths.sshdDropIn(), SshdDropIn.render(paths), "rw-r--r--");
            report.add("wrote sshd drop-in " + paths.sshdDropIn() + " (reload sshd to apply it)");
        }
        if (scope.bridge()) {
            new TapDevices(bridge, ServerAccounts.TUNNEL).ensureBridge();
            report.add("bridge " + bridge + " is up");
        }
        if (!scope.packaged() && scope.systemdDir() != null && Files.isDirectory(scope.systemdDir())) {
            Path unit = scope.systemdDir().resolve(ServerUnit.NAME);
            write(unit, ServerUnit.forCheckout(java, paths.installedJar(), paths.stateDir()), "rw-r--r--");
            report.add("wrote " + unit + " (systemctl enable --now walt-vpn-server)");
        }
        return List.copyOf(report);
    }

    /** Which of the two key pairs {@link #ensureKeys} had to make. */
    public record KeysMade(boolean ca, boolean bootstrap) {
        public boolean any() {
            return ca || bootstrap;
        }
    }

    /**
     * The state folder with the CA and bootstrap key pairs, made where absent. This much is
     * what {@code setup-node} needs of a server not set up yet; init does the rest.
     */
    public static KeysMade ensureKeys(ServerPaths paths) throws IOException {
        Files.createDirectories(paths.stateDir());
        // Traversable, not listable: sshd reads the principals file as the tunnel account.
        // Everything secret inside is owner-only itself.
        Files.setPosixFilePermissions(paths.stateDir(), PosixFilePermissions.fromString("rwx--x--x"));
        SshKeygen keygen = new SshKeygen();
        boolean ca = keygen.generateIfAbsent(paths.caKey(), "walt-vpn CA");
        boolean bootstrap = keygen.generateIfAbsent(paths.bootstrapKey(), "walt-vpn bootstrap");
        return new KeysMade(ca, bootstrap);
    }

    /** Copies the jar and writes the two commands sshd runs: root-owned, as sshd demands. */
    private void install() throws IOException {
        Files.createDirectories(paths.libexecDir());
        Files.setPosixFilePermissions(paths.libexecDir(), PosixFilePermissions.fromString("rwxr-xr-x"));
        if (!Files.isRegularFile(jar)) {
            throw new IOException("walt-vpn is not running from its jar (" + jar + "): build it with ./walt first");
        }
        if (!jar.toAbsolutePath().equals(paths.installedJar().toAbsolutePath())) {
            try (AtomicOutput out = new AtomicOutput(paths.installedJar())) {
                Files.copy(jar, out.tempPath(), StandardCopyOption.REPLACE_EXISTING);
                Files.setPosixFilePermissions(out.tempPath(), PosixFilePermissions.fromString("rw-r--r--"));
                out.commit();
            }
        }
        write(paths.enrolCommand(), EnrolmentScripts.forcedCommand(netcat(), paths.enrolSocket()), "rwxr-xr-x");
        write(paths.enrolKeysCommand(), EnrolmentScripts.keysCommand(paths.enrolCommand()), "rwxr-xr-x");
        report.add("installed " + paths.installedJar() + ", " + paths.enrolCommand() + ", " + paths.enrolKeysCommand());
    }

    /**
     * The package's files name its own paths: another state folder or socket folder would
     * leave sshd asking the wrong daemon, so it is refused rather than half set up.
     */
    private void checkPackaged() throws IOException {
        if (!paths.equals(ServerPaths.packaged())) {
            throw new IllegalArgumentException("the walt-vpn package's sshd drop-in and unit serve " + ServerPaths.packaged()
                    .stateDir() + ", " + ServerPaths.packaged().runDir() + " and " + ServerPaths.packaged().libexecDir()
                    + " only: run init without --state-dir, --run-dir, --sshd-drop-in and --libexec-dir");
        }
        for (Path p : List.of(paths.enrolCommand(), paths.enrolKeysCommand(), paths.sshdDropIn())) {
            if (!Files.isRegularFile(p)) {
                throw new NoSuchFileException(p.toString(), null, "missing from the walt-vpn package: restore it with"
                        + " apt install --reinstall -o Dpkg::Options::=--force-confmiss walt-vpn");
            }
        }
        report.add("kept " + paths.enrolCommand() + ", " + paths.enrolKeysCommand() + " and sshd drop-in "
                + paths.sshdDropIn() + " (from the walt-vpn package; reload sshd if it runs)");
    }

    /** The relay the enrolment command runs (OpenBSD netcat: it speaks Unix sockets). */
    private static Path netcat() throws IOException {
        for (String dir : List.of("/usr/bin", "/bin", "/usr/local/bin")) {
            Path p = Path.of(dir, "nc.openbsd");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        throw new IOException("OpenBSD netcat is needed for the enrolment account: apt-get install netcat-openbsd");
    }

    private void account(String user, String shell) throws IOException {
        if (run("id", "-u", user) == 0) {
            report.add("user " + user + " exists");
            return;
        }
        if (run("useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/", "--shell", shell, user) != 0) {
            throw new IOException("useradd " + user + " failed");
        }
        // '*', not useradd's locked '!': sshd without PAM refuses locked accounts even for keys.
        if (run("usermod", "-p", "*", user) != 0) {
            throw new IOException("usermod " + user + " failed");
        }
        report.add("created user " + user);
    }

    private static int run(String... cmd) throws IOException {
        return HostCommand.run(List.of(cmd), 60, "passwd").exit();
    }

    private void note(boolean made, String what) {
        report.add((made ? "created " : "kept ") + what);
    }

    private static void write(Path target, String text, String mode) throws IOException {
        Files.createDirectories(target.toAbsolutePath().getParent());
        try (AtomicOutput out = new AtomicOutput(target)) {
            Files.writeString(out.tempPath(), text, StandardCharsets.US_ASCII);
            Files.setPosixFilePermissions(out.tempPath(), PosixFilePermissions.fromString(mode));
            out.commit();
        }
    }
}
