package walt.vpn.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the operator's commands find the daemon. */
final class OperatorSocket {

    @Option(names = "--run-dir", description = "The daemon's sockets (default: ${DEFAULT-VALUE}).", defaultValue = "/run/walt-vpn")
    Path runDir;

    Path admin() {
        return runDir.resolve("admin.sock");
    }
}
