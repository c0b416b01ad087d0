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
        } catch (OutOfMemoryError e) {
            // Picocli hands only exceptions to the reporter. The tree held by the unwound frames is
            // garbage by now, so there is room to say what happened.
            System.err.println("walt: out of memory: Java may use " + (Runtime.getRuntime().maxMemory() >> 20)
                    + " MiB (for a larger tree, allow more through WALT_JAVA_OPTS, e.g. WALT_JAVA_OPTS=-Xmx2g)");
            return ErrorReporter.FAILURE;
        } catch (StackOverflowError e) {
            // Writers and walks descend the tree recursively: a tar can nest folders thousands deep.
            System.err.println("walt: the tree is nested too deeply for Java's stack (allow more through WALT_JAVA_OPTS,"
                    + " e.g. WALT_JAVA_OPTS=-Xss64m)");
            return ErrorReporter.FAILURE;
        }
    }
}
