package walt.vpn.cli;

import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The walt command tree. Picocli builds each command it is given by reflection over its
 * annotations, which costs more than many commands' own work (a third of a second for the
 * whole tree on a cold JVM): only the commands on the path the arguments name are built. Where
 * the next argument names no subcommand (help, a typo, an option), all of that level are built,
 * so usage and suggestions still see every command.
 */
final class CommandTree {

    private static final Map<Class<?>, List<Class<?>>> SUBCOMMANDS = Map.of(
            WaltCommand.class, List.of(VpnImageCommand.class, VpnCommand.class, VpnServerCommand.class, CompletionCommand.class),
            VpnImageCommand.class, List.of(MkfsCommand.class, InspectCommand.class, LsCommand.class, CatCommand.class,
                    ExtractCommand.class, BuildCommand.class),
            VpnCommand.class, List.of(SetupNodeCommand.class, SetupProxyCommand.class, MonitorCommand.class,
                    NodesCommand.class, RevokeCommand.class),
            VpnServerCommand.class, List.of(VpnServerCommand.Init.class, VpnServerCommand.Run.class));

    private CommandTree() {
    }

    /** The root command, with the subcommands that {@code args} can reach (all of them for no arguments). */
    static CommandLine forArguments(String... args) {
        return build(WaltCommand.class, args, 0);
    }

    /** {@code depth} is the index of the argument naming the next subcommand; -1 builds everything. */
    private static CommandLine build(Class<?> command, String[] args, int depth) {
        CommandLine cl = new CommandLine(command);
        List<Class<?>> subcommands = SUBCOMMANDS.getOrDefault(command, List.of());
        Class<?> named = depth >= 0 && depth < args.length ? find(subcommands, args[depth]) : null;
        if (named != null) {
            cl.addSubcommand(build(named, args, depth + 1));
        } else {
            for (Class<?> sub : subcommands) {
                cl.addSubcommand(build(sub, args, -1));
            }
        }
        return cl;
    }

    private static Class<?> find(List<Class<?>> subcommands, String name) {
        for (Class<?> sub : subcommands) {
            if (sub.getAnnotation(Command.class).name().equals(name)) {
                return sub;
            }
        }
        return null;
    }
}
