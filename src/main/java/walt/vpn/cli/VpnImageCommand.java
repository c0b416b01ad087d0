package walt.vpn.cli;

import picocli.CommandLine.Command;

@Command(name = "vpn-image", mixinStandardHelpOptions = true,
        description = "Build, inspect and take apart disk images (pure Java, no root).",
        subcommands = {MkfsCommand.class, InspectCommand.class, LsCommand.class, CatCommand.class, ExtractCommand.class, BuildCommand.class})
final class VpnImageCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }
}
