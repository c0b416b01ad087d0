package walt.vpn.cli;

import picocli.CommandLine.Command;

@Command(name = "walt", mixinStandardHelpOptions = true, version = "walt-vpn 0.1.0",
        description = "WalT VPN: node images, server and proxies.")
/* Its subcommands are listed in CommandTree, which builds only those the arguments reach. */
final class WaltCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }
}
