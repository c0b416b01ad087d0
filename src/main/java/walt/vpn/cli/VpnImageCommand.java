package walt.vpn.cli;

import picocli.CommandLine.Command;

@Command(name = "vpn-image", mixinStandardHelpOptions = true,
        description = "Build, inspect and take apart disk images (pure Java, no root).")
/* Its subcommands are listed in CommandTree, which builds only those the arguments reach. */
final class VpnImageCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }
}
