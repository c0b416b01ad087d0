package walt.vpn.server;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import walt.vpn.ssh.SshPublicKey;

/**
 * {@code walt vpn-server run}: owns the registry, answers the enrolment command and the
 * operator's commands on two local sockets, keeps sshd's files and the taps in step.
 */
public final class ServerDaemon implements AutoCloseable {

    /**
     * Enrolment sessions served at once: each is a thread here and an sshd session, a shell
     * and a netcat on the host. One more is told at once to come back later (exit 4), so the
     * bound holds before anything else is spent on it.
     */
    public static final int MAX_ENROLMENT_SESSIONS = 256;
    /** Operator connections (root only) served at once; more wait in the backlog. */
    private static final int MAX_OPERATOR_CONNECTIONS = 16;

    private final ServerPaths paths;
    private final NodeRegistry registry;
    private final NodeAuthority authority;
    private final EnrolmentDesk desk;
    private final AuditLog audit;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "walt-vpn-api");
        t.setDaemon(true);
        return t;
    });
    private final ScheduledExecutorService timer = timer();
    private ServerSocketChannel enrolServer;
    private ServerSocketChannel adminServer;

    /**
     * One thread for the expiries and the waiting lines. A request closed early cancels its
     * expiry, which then leaves the queue at once: requests filed and displaced as fast as an
     * attacker likes leave nothing behind for the ten minutes an expiry waits.
     */
    private static ScheduledExecutorService timer() {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "walt-vpn-timer");
            thread.setDaemon(true);
            return thread;
        });
        t.setRemoveOnCancelPolicy(true);
        return t;
    }

    public ServerDaemon(ServerPaths paths, String bridge, EnrolmentLimits limits, Duration validity, Clock clock)
            throws IOException, SQLException {
        this.paths = paths;
        if (!Files.exists(paths.caKey())) {
            throw new IOException("no CA in " + paths.stateDir() + ": run the server's init first (walt vpn-server init; walt-vpn server init from the Debian package)");
        }
        this.audit = new AuditLog(paths.auditLog(), clock);
        this.registry = NodeRegistry.open(paths.registryDir());
        this.authority = new NodeAuthority(paths, registry, new SshKeygen(), new TapDevices(bridge, ServerAccounts.TUNNEL),
                audit, clock, validity);
        SshPublicKey bootstrap = Files.exists(paths.bootstrapPub())
                ? SshPublicKey.parse(Files.readString(paths.bootstrapPub(), StandardCharsets.US_ASCII).strip())
                : null;
        this.desk = new EnrolmentDesk(limits, clock, timer, audit, bootstrap);
    }

    public void start() throws IOException, SQLException {
        authority.restoreTaps();
        authority.publish();
        Files.createDirectories(paths.runDir());
        Files.setPosixFilePermissions(paths.runDir(), PosixFilePermissions.fromString("rwxr-xr-x"));
        enrolServer = bind(paths.enrolSocket(), "rw-rw----", ServerAccounts.ENROL);
        adminServer = bind(paths.adminSocket(), "rw-------", null);
        EnrolmentEndpoint enrol = new EnrolmentEndpoint(desk, authority, timer, pool);
        AdminEndpoint admin = new AdminEndpoint(desk, authority);
        acceptLoop(enrolServer, pool, MAX_ENROLMENT_SESSIONS, enrol::serve,
                peer -> {
                    new RelayReply(peer.channel()).fail(RelayReply.ERROR, "too many enrolment sessions: retry later");
                    return SERVED;
                });
        acceptLoop(adminServer, pool, MAX_OPERATOR_CONNECTIONS, peer -> {
            String who = operator(peer);
            if (who == null) {
                peer.write(AdminEndpoint.error("only root may use this socket"));
                return SERVED;
            }
            admin.serve(peer, who);
            return SERVED;
        }, null);
        timer.scheduleWithFixedDelay(() -> {
            try {
                authority.markSeen();
            } catch (SQLException e) {
                System.err.println("walt vpn-server: registry: " + e.getMessage());
            }
        }, 1, 10, TimeUnit.SECONDS);
        audit.record("daemon started");
    }

    private interface Handler {
        /** Serves a connection, which ends (closed, its slot freed) when the stage returned completes. */
        CompletionStage<?> serve(JsonLineChannel peer) throws IOException;
    }

    private static final CompletionStage<?> SERVED = CompletableFuture.completedFuture(null);

    /**
     * Serves each connection, at most {@code max} at once: one more is answered by
     * {@code busy} and closed, or, without {@code busy}, waits. A handler holds a thread only
     * while it works; a connection waiting (a request for the operator) holds none.
     */
    private void acceptLoop(ServerSocketChannel server, ExecutorService workers, int max, Handler handler, Handler busy) {
        Semaphore slots = new Semaphore(max);
        Thread t = new Thread(() -> {
            while (server.isOpen()) {
                SocketChannel c;
                try {
                    if (busy == null) {
                        slots.acquire();
                    }
                    c = server.accept();
                } catch (IOException | InterruptedException e) {
                    return;
                }
                if (busy != null && !slots.tryAcquire()) {
                    try (JsonLineChannel peer = new JsonLineChannel(c)) {
                        busy.serve(peer);
                    } catch (IOException e) {
                        // it left already
                    }
                    continue;
                }
                workers.execute(() -> {
                    JsonLineChannel peer = new JsonLineChannel(c);
                    CompletionStage<?> served;
                    try {
                        served = handler.serve(peer);
                    } catch (IOException | RuntimeException e) {
                        // One bad peer must never take the daemon down.
                        audit.record("api: dropped a connection: " + e.getMessage());
                        served = SERVED;
                    }
                    // The socket, not the peer: a request held open for the operator keeps
                    // no 8 KiB read buffer.
                    served.whenComplete((ignored, failure) -> {
                        JsonLineChannel.close(c);
                        slots.release();
                    });
                });
            }
        }, "walt-vpn-accept " + server);
        t.setDaemon(true);
        t.start();
    }

    /** The peer's user name when it is root or the daemon's own user, else null. */
    private static String operator(JsonLineChannel peer) throws IOException {
        UnixDomainPrincipal p = peer.channel().getOption(ExtendedSocketOptions.SO_PEERCRED);
        String me = System.getProperty("user.name");
        String user = p.user().getName();
        return user.equals("root") || user.equals(me) ? user : null;
    }

    private static ServerSocketChannel bind(Path socket, String mode, String group) throws IOException {
        Files.deleteIfExists(socket);
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(socket), 64);
        if (group != null) {
            try {
                GroupPrincipal g = socket.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
                Files.getFileAttributeView(socket, PosixFileAttributeView.class).setGroup(g);
            } catch (UserPrincipalNotFoundException e) {
                throw new IOException("group " + group + " does not exist: run the server's init (walt vpn-server init; walt-vpn server init from the Debian package)");
            }
        }
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString(mode));
        return s;
    }

    @Override
    public void close() throws IOException, SQLException {
        for (ServerSocketChannel s : new ServerSocketChannel[] {enrolServer, adminServer}) {
            if (s != null) {
                s.close();
            }
        }
        Files.deleteIfExists(paths.enrolSocket());
        Files.deleteIfExists(paths.adminSocket());
        timer.shutdownNow();
        pool.shutdownNow();
        registry.close();
        audit.record("daemon stopped");
    }
}
