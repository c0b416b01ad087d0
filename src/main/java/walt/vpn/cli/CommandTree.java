package walt.vpn.cli;

import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The command trees. Picocli builds each command it is given by reflection over its
 * annotations, which costs more than many commands' own work (a third of a second for the
 * whole tree on a cold JVM): only the commands on the path the arguments name are built. Where
 * the next argument names no subcommand (help, a typo, an option), all of that level are built,
 * so usage and suggestions still see every command.
 *
 * <p>Two roots share the commands. {@code walt} is the checkout's, with the seed's words
 * ({@code walt vpn setup-node}); {@code walt-vpn} is the Debian package's, named so that it
 * does not shadow WalT's own {@code walt}, one level flatter: {@code walt vpn X} is
 * {@code walt-vpn X}, {@code walt vpn-server X} is {@code walt-vpn server X} and
 * {@code walt vpn-image X} is {@code walt-vpn image X}.
 */
final class CommandTree {

    /** The system property that names the root; the package's launcher sets it. */
    static final String ROOT_PROPERTY = "walt.command";
    static final String CHECKOUT_ROOT = "walt";
    static final String PACKAGE_ROOT = "walt-vpn";

    private static final List<Class<?>> VPN = List.of(SetupNodeCommand.class, SetupProxyCommand.class,
            MonitorCommand.class, NodesCommand.class, RevokeCommand.class);

    private static final Map<Class<?>, List<Class<?>>> SUBCOMMANDS = Map.of(
            WaltCommand.class, List.of(VpnImageCommand.class, VpnCommand.class, VpnServerCommand.class, CompletionCommand.class),
            WaltVpnCommand.class, concat(VPN, List.of(VpnServerCommand.class, VpnImageCommand.class, CompletionCommand.class)),
            VpnImageCommand.class, List.of(MkfsCommand.class, InspectCommand.class, LsCommand.class, CatCommand.class,
                    ExtractCommand.class, BuildCommand.class),
            VpnCommand.class, VPN,
            VpnServerCommand.class, List.of(VpnServerCommand.Init.class, VpnServerCommand.Run.class));

    /** Under walt-vpn, the two groups that keep a level drop their "vpn-" prefix. */
    private static final Map<Class<?>, String> PACKAGE_NAMES = Map.of(
            VpnServerCommand.class, "server",
            VpnImageCommand.class, "image");

    private CommandTree() {
    }

    /** The root this process was started as: {@value #CHECKOUT_ROOT} unless the launcher says otherwise. */
    static String rootName() {
        return PACKAGE_ROOT.equals(System.getProperty(ROOT_PROPERTY)) ? PACKAGE_ROOT : CHECKOUT_ROOT;
    }

    /**
     * A command as the user typed it, for messages: {@code spoken("vpn monitor")} is "walt vpn
     * monitor" from a checkout and "walt-vpn monitor" from the package. Empty words: the root.
     */
    static String spoken(String checkoutWords) {
        if (!PACKAGE_ROOT.equals(rootName())) {
            return (CHECKOUT_ROOT + " " + checkoutWords).strip();
        }
        String[] words = checkoutWords.split(" ", 2);
        String first = switch (words[0]) {
            case "vpn" -> "";
            case "vpn-server" -> "server";
            case "vpn-image" -> "image";
            default -> words[0];
        };
        return String.join(" ", PACKAGE_ROOT, first, words.length > 1 ? words[1] : "").replaceAll(" +", " ").strip();
    }

    /** The root command, with the subcommands that {@code args} can reach (all of them for no arguments). */
    static CommandLine forArguments(String... args) {
        return forRoot(rootName(), args);
    }

    static CommandLine forRoot(String root, String... args) {
        boolean packaged = PACKAGE_ROOT.equals(root);
        return build(packaged ? WaltVpnCommand.class : WaltCommand.class, packaged, args, 0);
    }

    /** {@code depth} is the index of the argument naming the next subcommand; -1 builds everything. */
    private static CommandLine build(Class<?> command, boolean packaged, String[] args, int depth) {
        CommandLine cl = new CommandLine(command);
        List<Class<?>> subcommands = SUBCOMMANDS.getOrDefault(command, List.of());
        Class<?> named = depth >= 0 && depth < args.length ? find(subcommands, packaged, args[depth]) : null;
        for (Class<?> sub : named != null ? List.<Class<?>>of(named) : subcommands) {
            CommandLine child = build(sub, packaged, args, named != null ? depth + 1 : -1);
            // The spec's own name, not only the word matched: usage and errors print it.
            child.getCommandSpec().name(name(sub, packaged));
            cl.addSubcommand(child);
        }
        return cl;
    }

    private static String name(Class<?> command, boolean packaged) {
        String own = command.getAnnotation(Command.class).name();
        return packaged ? PACKAGE_NAMES.getOrDefault(command, own) : own;
    }

    private static Class<?> find(List<Class<?>> subcommands, boolean packaged, String name) {
        for (Class<?> sub : subcommands) {
            if (name(sub, packaged).equals(name)) {
                return sub;
            }
        }
        return null;
    }

    private static List<Class<?>> concat(List<Class<?>> a, List<Class<?>> b) {
        List<Class<?>> all = new java.util.ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }
}
