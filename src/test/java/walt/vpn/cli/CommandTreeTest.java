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

    /** The package's command: the seed's words map one to one, a level flatter. */
    @Test
    void thePackagesRootHasEveryCommandUnderItsFlatterName() {
        List<List<String>> expected = new ArrayList<>();
        for (List<String> c : COMMANDS) {
            List<String> mapped = new ArrayList<>(c);
            switch (c.get(0)) {
                case "vpn" -> mapped.remove(0);
                case "vpn-server" -> mapped.set(0, "server");
                case "vpn-image" -> mapped.set(0, "image");
                default -> { }
            }
            expected.add(mapped);
        }
        expected.sort(java.util.Comparator.comparing(Object::toString));
        List<List<String>> leaves = new ArrayList<>(leafPaths(CommandTree.forRoot("walt-vpn"), List.of()));
        leaves.sort(java.util.Comparator.comparing(Object::toString));
        assertEquals(expected, leaves);
        for (List<String> leaf : leaves) {
            List<String> args = new ArrayList<>(leaf);
            args.add("--help");
            CommandLine cl = CommandTree.forRoot("walt-vpn", args.toArray(String[]::new));
            for (String name : leaf) {
                assertEquals(Set.of(name), cl.getSubcommands().keySet(), leaf.toString());
                cl = cl.getSubcommands().get(name);
            }
        }
    }

    @Test
    void thePackagesUsageAndErrorsNameWaltVpn() {
        StringWriter out = new StringWriter();
        CommandLine cl = CommandTree.forRoot("walt-vpn", "server", "init", "--help");
        cl.setOut(new PrintWriter(out));
        assertEquals(0, cl.execute("server", "init", "--help"));
        assertTrue(out.toString().contains("Usage: walt-vpn server init "), out.toString());

        StringWriter err = new StringWriter();
        cl = CommandTree.forRoot("walt-vpn", "image", "nope");
        cl.setErr(new PrintWriter(err));
        cl.setParameterExceptionHandler(new ErrorReporter());
        assertEquals(2, cl.execute("image", "nope"));
        assertTrue(err.toString().startsWith("walt-vpn: "), err.toString());
        assertTrue(err.toString().contains("Try 'walt-vpn image --help'"), err.toString());
    }

    @Test
    void messagesNameTheCommandAsTheUserTypedIt() {
        String was = System.getProperty(CommandTree.ROOT_PROPERTY);
        try {
            System.clearProperty(CommandTree.ROOT_PROPERTY);
            assertEquals("walt vpn monitor", CommandTree.spoken("vpn monitor"));
            assertEquals("walt vpn-server", CommandTree.spoken("vpn-server"));
            System.setProperty(CommandTree.ROOT_PROPERTY, "walt-vpn");
            assertEquals("walt-vpn monitor", CommandTree.spoken("vpn monitor"));
            assertEquals("walt-vpn server", CommandTree.spoken("vpn-server"));
            assertEquals("walt-vpn image build", CommandTree.spoken("vpn-image build"));
            assertEquals("walt-vpn", CommandTree.spoken(""));
        } finally {
            if (was == null) {
                System.clearProperty(CommandTree.ROOT_PROPERTY);
            } else {
                System.setProperty(CommandTree.ROOT_PROPERTY, was);
            }
        }
    }
}
