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
        try {
            CommandLine cl = CommandTree.forArguments(args);
            cl.setExecutionExceptionHandler(new ErrorReporter());
            cl.setParameterExceptionHandler(new ErrorReporter());
            return cl.execute(args);
        } catch (OutOfMemoryError | StackOverflowError e) {
            // The tree held by the unwound frames is garbage by now: there is room to say what happened.
            if (System.getenv("WALT_DEBUG") != null) {
                e.printStackTrace();
            }
            System.err.println(CommandTree.rootName() + ": " + ErrorReporter.resourceLimit(e));
            return ErrorReporter.FAILURE;
        }
    }
}
