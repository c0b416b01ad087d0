package walt.vpn.cli;

import picocli.CommandLine.Command;

@Command(name = "vpn", mixinStandardHelpOptions = true,
        description = "Set up and run the VPN: proxies, node approval, the server's view of the nodes.")
/* Its subcommands are listed in CommandTree, which builds only those the arguments reach. */
final class VpnCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }
}
