package walt.vpn.cli;

import picocli.CommandLine.Command;

@Command(name = "walt-vpn", mixinStandardHelpOptions = true, version = "walt-vpn 0.1.0",
        description = {"WalT VPN: node images, server and proxies.",
            "The Debian package's command: 'walt vpn X' is 'walt-vpn X', 'walt vpn-server X' is 'walt-vpn server X',"
                + " 'walt vpn-image X' is 'walt-vpn image X'."})
/* Its subcommands are listed in CommandTree, which builds only those the arguments reach. */
final class WaltVpnCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }
}
