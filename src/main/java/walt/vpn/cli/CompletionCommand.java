package walt.vpn.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "completion", mixinStandardHelpOptions = true,
        description = {"Print a bash completion script for walt: every command, option and choice.",
            "Load it with: source <(./walt completion), or install it as /etc/bash_completion.d/walt."})
final class CompletionCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        // The tree is built lazily for a run (CommandTree); completion needs all of it.
        spec.commandLine().getOut().print(AutoComplete.bash("walt", CommandTree.forArguments()));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
