package walt.vpn.cli;

import walt.vpn.ssh.Printable;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import walt.vpn.server.AdminClient;

@Command(name = "monitor", mixinStandardHelpOptions = true,
        description = {"Show nodes asking to join and accept or deny each.",
            "While no monitor runs, every request is denied at once (the node retries)."})
final class MonitorCommand implements Callable<Integer> {

    private static final JsonNode END = com.fasterxml.jackson.databind.node.NullNode.getInstance();

    @Mixin
    OperatorSocket socket;

    @Option(names = "--accept", paramLabel = "FINGERPRINT",
            description = "Accept the node with this key fingerprint (SHA256:...) without asking; exit once all are accepted.")
    List<String> accept = List.of();

    @Option(names = "--deny-all", description = "Deny every request without asking.")
    boolean denyAll;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Give up after this long (exit 1).")
    Integer timeout;

    @Override
    public Integer call() throws Exception {
        Set<String> wanted = new HashSet<>(accept);
        for (String fp : wanted) {
            if (!fp.matches("SHA256:[A-Za-z0-9+/]{43}")) {
                throw new IllegalArgumentException("not a key fingerprint: " + Printable.of(fp) + " (expected SHA256:...)");
            }
        }
        boolean ask = wanted.isEmpty() && !denyAll;
        BufferedReader answers = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + TimeUnit.SECONDS.toNanos(timeout);
        try (AdminClient c = AdminClient.connect(socket.admin())) {
            c.call("monitor", null, null);
            LinkedBlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
            // Requests closed before their turn to be asked (displaced by a flood, withdrawn,
            // expired): never asked about, so that a real node's request is not behind them.
            Set<Long> gone = ConcurrentHashMap.newKeySet();
            Thread reader = new Thread(() -> {
                try {
                    JsonNode e;
                    while ((e = c.next()) != null) {
                        if ("closed".equals(e.path("event").asText())) {
                            gone.add(e.path("id").asLong());
                        }
                        events.add(e);
                    }
                } catch (Exception e) {
                    // connection gone: END below
                }
                events.add(END);
            }, "monitor-events");
            reader.setDaemon(true);
            reader.start();
            System.err.println(CommandTree.spoken("vpn monitor") + ": " + "waiting for nodes (Ctrl-C to stop)");
            while (true) {
                long left = deadline - System.nanoTime();
                JsonNode e = left <= 0 ? null : events.poll(Math.min(left, TimeUnit.DAYS.toNanos(1)), TimeUnit.NANOSECONDS);
                if (e == null) {
                    System.err.println(CommandTree.spoken("vpn monitor") + ": " + "timed out");
                    return 1;
                }
                if (e == END) {
                    System.err.println(CommandTree.spoken("vpn monitor") + ": " + "the server went away");
                    return 1;
                }
                String event = e.path("event").asText();
                String fp = Printable.of(e.path("fingerprint").asText());
                if ("request".equals(event)) {
                    if (gone.contains(e.path("id").asLong())) {
                        continue;
                    }
                    System.out.println(describe(e));
                    String active = Printable.of(e.path("active_node").asText());
                    if (!active.isEmpty()) {
                        System.out.println("  WARNING: this MAC is " + active + ", active with another key: accepting gives "
                                + active + " this key and cuts its current tunnel (a re-flashed card, or someone else)");
                    }
                    boolean yes;
                    if (ask) {
                        System.out.print("accept this node? [y/N] ");
                        System.out.flush();
                        String line = answers.readLine();
                        if (line == null) {
                            return 0;
                        }
                        yes = line.strip().toLowerCase(java.util.Locale.ROOT).startsWith("y");
                    } else {
                        yes = wanted.contains(fp);
                        if (!yes && !denyAll) {
                            continue;
                        }
                    }
                    c.decide(e.path("id").asLong(), yes, e.path("fingerprint").asText(), e.path("mac").asText());
                } else if ("closed".equals(event)) {
                    boolean ok = e.path("accepted").asBoolean();
                    if (e.path("bootstrap_key").asBoolean()) {
                        System.out.println("WARNING: a request for MAC " + Printable.of(e.path("mac").asText()) + " from "
                                + Printable.of(e.path("source").asText()) + " was signed by the VPN's bootstrap key, which "
                                + "every SD card holds: not a node's own key, someone trying the enrolment");
                    }
                    System.out.println("request " + e.path("id").asLong() + " (" + fp + "): "
                            + (ok ? "accepted" : "denied: " + Printable.of(e.path("reason").asText())));
                    if (ok && wanted.remove(fp) && wanted.isEmpty() && !accept.isEmpty()) {
                        return 0;
                    }
                } else if ("standing".equals(e.path("status").asText())) {
                    System.out.println("server: " + Printable.of(e.path("reason").asText()));
                } else if ("error".equals(e.path("status").asText())) {
                    System.out.println("server: " + Printable.of(e.path("reason").asText()));
                }
            }
        }
    }

    private static String describe(JsonNode e) {
        return "request " + e.path("id").asLong() + ": MAC " + Printable.of(e.path("mac").asText()) + ", key "
                + Printable.of(e.path("fingerprint").asText()) + " (" + Printable.of(e.path("key_type").asText()) + "), from "
                + Printable.of(e.path("source").asText()) + " at " + Printable.of(e.path("time").asText());
    }
}
