package walt.vpn.cli;

import walt.vpn.ssh.Printable;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import walt.vpn.server.AdminClient;

@Command(name = "nodes", mixinStandardHelpOptions = true, description = "List the VPN nodes.")
final class NodesCommand implements Callable<Integer> {

    @Mixin
    OperatorSocket socket;

    @Option(names = "--json", description = "One JSON array, for scripts.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        JsonNode nodes;
        try (AdminClient c = AdminClient.connect(socket.admin())) {
            nodes = c.call("nodes", null, null).path("nodes");
        }
        if (json) {
            System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(nodes));
            return 0;
        }
        String format = "%-8s %-17s %-50s %6s %-20s %-8s %s%n";
        System.out.printf(format, "NODE", "MAC", "KEY", "SERIAL", "EXPIRES", "STATE", "LAST SEEN");
        for (JsonNode n : nodes) {
            System.out.printf(format, text(n, "name"), text(n, "mac"), text(n, "fingerprint"), text(n, "serial"),
                    text(n, "expires"), text(n, "state"), n.path("last_seen").isNull() ? "never" : text(n, "last_seen"));
        }
        return 0;
    }

    private static String text(JsonNode n, String field) {
        return Printable.of(n.path(field).asText());
    }
}
