package walt.vpn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class CommandTreeTest {

    private static List<List<String>> leafPaths(CommandLine cl, List<String> prefix) {
        List<List<String>> paths = new ArrayList<>();
        if (cl.getSubcommands().isEmpty()) {
            paths.add(prefix);
        }
        cl.getSubcommands().forEach((name, sub) -> {
            List<String> p = new ArrayList<>(prefix);
            p.add(name);
            paths.addAll(leafPaths(sub, p));
        });
        return paths;
    }

    /** Every command users run (README, docs, other tools' scripts): none may drop out of the tree. */
    private static final List<List<String>> COMMANDS = List.of(
            List.of("completion"), List.of("vpn", "monitor"), List.of("vpn", "nodes"), List.of("vpn", "revoke"), List.of("vpn", "setup-node"),
            List.of("vpn", "setup-proxy"), List.of("vpn-image", "build"), List.of("vpn-image", "cat"),
            List.of("vpn-image", "extract"), List.of("vpn-image", "inspect"), List.of("vpn-image", "ls"),
            List.of("vpn-image", "mkfs"), List.of("vpn-server", "init"), List.of("vpn-server", "run"));

    @Test
    void withoutArgumentsEveryCommandIsThere() {
        List<List<String>> leaves = new ArrayList<>(leafPaths(CommandTree.forArguments(), List.of()));
        leaves.sort(java.util.Comparator.comparing(Object::toString));
        assertEquals(COMMANDS, leaves);
    }

    @Test
    void aNamedPathBuildsThatPathOnlyAndEveryLeafIsReachable() {
        for (List<String> leaf : leafPaths(CommandTree.forArguments(), List.of())) {
            List<String> args = new ArrayList<>(leaf);
            args.add("--help");
            CommandLine cl = CommandTree.forArguments(args.toArray(String[]::new));
            for (String name : leaf) {
                assertEquals(Set.of(name), cl.getSubcommands().keySet(), leaf.toString());
                cl = cl.getSubcommands().get(name);
            }
            assertTrue(cl.getSubcommands().isEmpty());
        }
    }

    @Test
    void anUnknownNameGetsTheWholeLevelForItsSuggestions() {
        CommandLine cl = CommandTree.forArguments("vpn", "setup-nod");
        assertEquals(Set.of("vpn"), cl.getSubcommands().keySet());
        assertEquals(Set.of("setup-node", "setup-proxy", "monitor", "nodes", "revoke"),
                cl.getSubcommands().get("vpn").getSubcommands().keySet());
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute("vpn", "setup-nod");
        assertEquals(2, exit);
        assertTrue(err.toString().contains("setup-node"), err.toString());
    }

    @Test
    void helpListsEveryGroup() {
        StringWriter out = new StringWriter();
        CommandLine cl = CommandTree.forArguments("--help");
        cl.setOut(new PrintWriter(out));
        assertEquals(0, cl.execute("--help"));
        for (String group : List.of("vpn-image", "vpn", "vpn-server")) {
            assertTrue(out.toString().contains("  " + group + " "), out.toString());
        }
    }
}
