package walt.vpn.cli;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import walt.vpn.server.EnrolmentLimits;
import walt.vpn.server.ServerDaemon;
import walt.vpn.server.ServerInit;

@Command(name = "vpn-server", mixinStandardHelpOptions = true,
        description = "The VPN's server side: CA, enrolment, node registry, tunnel taps.")
/* Its subcommands are listed in CommandTree, which builds only those the arguments reach. */
final class VpnServerCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    @Command(name = "init", mixinStandardHelpOptions = true,
            description = "Create (or complete) the server side: CA and bootstrap keys, registry, accounts, sshd drop-in, bridge.")
    static final class Init implements Callable<Integer> {
        @Mixin
        ServerLocation where;

        @Option(names = "--no-accounts", description = "Do not create the walt-vpn and walt-vpn-enroll users.")
        boolean noAccounts;

        @Option(names = "--systemd-dir", description = "Where to write walt-vpn-server.service (default: ${DEFAULT-VALUE};"
                + " the Debian package ships its own).",
                defaultValue = "/etc/systemd/system")
        Path systemdDir;

        @Override
        public Integer call() throws Exception {
            Path jar = Path.of(VpnServerCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            ServerInit init = new ServerInit(where.paths(), where.bridge, jar, java);
            for (String line : init.run(new ServerInit.Scope(!noAccounts, !where.noBridge, systemdDir,
                    ServerLocation.packaged()))) {
                System.out.println(line);
            }
            return 0;
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true, description = "Run the server daemon (systemd runs it).")
    static final class Run implements Callable<Integer> {
        @Mixin
        ServerLocation where;

        @Option(names = "--validity", description = "Certificate validity in days (default: ${DEFAULT-VALUE}).",
                defaultValue = "365")
        int validityDays;

        @Option(names = "--request-timeout", description = "Seconds a request waits for the operator (default: ${DEFAULT-VALUE}).",
                defaultValue = "600")
        int requestTimeout;

        @Option(names = "--max-pending", paramLabel = "N",
                description = "Requests shown to the operator at once; a newer one displaces the oldest (default: ${DEFAULT-VALUE}).",
                defaultValue = "32")
        int maxPending;

        @Option(names = "--max-pending-per-source", paramLabel = "N",
                description = "Of those, from one address (all nodes behind one proxy share it) (default: ${DEFAULT-VALUE}).",
                defaultValue = "4")
        int maxPendingPerSource;

        @Override
        public Integer call() throws Exception {
            if (validityDays < 1 || requestTimeout < 1 || maxPending < 1 || maxPendingPerSource < 1) {
                throw new IllegalArgumentException("--validity, --request-timeout and --max-pending* must be positive");
            }
            if (maxPendingPerSource > maxPending) {
                throw new IllegalArgumentException("--max-pending-per-source must be at most --max-pending");
            }
            if (maxPending >= ServerDaemon.MAX_ENROLMENT_SESSIONS) {
                // Displacement must happen before the sessions run out, or a flood holds them all.
                throw new IllegalArgumentException("--max-pending must be below " + ServerDaemon.MAX_ENROLMENT_SESSIONS
                        + ", the enrolment sessions served at once");
            }
            EnrolmentLimits limits = new EnrolmentLimits(maxPending, maxPendingPerSource, Duration.ofSeconds(requestTimeout));
            ServerDaemon daemon = new ServerDaemon(where.paths(), where.bridge, limits, Duration.ofDays(validityDays),
                    Clock.systemUTC());
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    daemon.close();
                } catch (Exception e) {
                    System.err.println(CommandTree.spoken("vpn-server") + ": " + e.getMessage());
                }
                stop.countDown();
            }));
            daemon.start();
            System.err.println(CommandTree.spoken("vpn-server") + ": running (state " + where.stateDir + ")");
            stop.await();
            return 0;
        }
    }
}
