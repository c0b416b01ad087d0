package walt.vpn.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "completion", mixinStandardHelpOptions = true,
        description = {"Print a bash completion script for this command: every command, option and choice.",
            "Load it with: source <(./walt completion), or install it as /etc/bash_completion.d/walt."
                + " The Debian package installs walt-vpn's."})
final class CompletionCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        // The tree is built lazily for a run (CommandTree); completion needs all of it.
        String root = spec.root().name();
        spec.commandLine().getOut().print(AutoComplete.bash(root, CommandTree.forRoot(root)));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
