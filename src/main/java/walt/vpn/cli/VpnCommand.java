package walt.vpn.cli;

import picocli.CommandLine.Command;

@Command(name = "vpn", mixinStandardHelpOptions = true, description = "Operate the VPN: approve nodes, list and revoke them.",
        subcommands = {MonitorCommand.class, NodesCommand.class, RevokeCommand.class})
final class VpnCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }
}
