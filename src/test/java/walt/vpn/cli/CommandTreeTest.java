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

    @Test
    void withoutArgumentsEveryCommandIsThere() {
        List<List<String>> leaves = leafPaths(CommandTree.forArguments(), List.of());
        assertTrue(leaves.contains(List.of("vpn", "setup-node")), leaves.toString());
        assertTrue(leaves.contains(List.of("vpn-image", "mkfs")), leaves.toString());
        assertTrue(leaves.contains(List.of("vpn-server", "run")), leaves.toString());
        assertEquals(13, leaves.size(), leaves.toString());
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
