package walt.vpn.cli;

import picocli.CommandLine;

/** Entry point of the {@code walt} command. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        int code = run(args);
        FirstRunClassList.settle(code);
        System.exit(code);
    }

    public static int run(String... args) {
        CommandLine cl = CommandTree.forArguments(args);
        cl.setExecutionExceptionHandler(new ErrorReporter());
        cl.setParameterExceptionHandler(new ErrorReporter());
        return cl.execute(args);
    }
}
