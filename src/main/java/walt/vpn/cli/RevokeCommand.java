package walt.vpn.cli;

import walt.vpn.ssh.Printable;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import walt.vpn.server.AdminClient;

@Command(name = "revoke", mixinStandardHelpOptions = true,
        description = "Revoke a node: its certificate is refused from now on and its live tunnel is cut.")
final class RevokeCommand implements Callable<Integer> {

    @Mixin
    OperatorSocket socket;

    @Parameters(paramLabel = "NODE", description = "node-N, N, or the node's MAC address")
    String node;

    @Override
    public Integer call() throws Exception {
        try (AdminClient c = AdminClient.connect(socket.admin())) {
            JsonNode n = c.call("revoke", "node", node).path("node");
            System.out.println("revoked " + Printable.of(n.path("name").asText()) + " (" + Printable.of(n.path("mac").asText())
                    + ", serial " + n.path("serial").asLong() + ")");
        }
        return 0;
    }
}
