package walt.vpn.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Turns every failure into one line on stderr and an exit status: 2 for bad input or usage,
 * 1 for anything else. Stack traces only with WALT_DEBUG=1.
 */
final class ErrorReporter implements IExecutionExceptionHandler, IParameterExceptionHandler {

    static final int BAD_INPUT = 2;
    static final int FAILURE = 1;

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        cl.getErr().println("walt: " + ex.getMessage());
        cl.getErr().println("Try '" + cl.getCommandSpec().qualifiedName() + " --help' for more information.");
        return BAD_INPUT;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, ParseResult parseResult) {
        if (System.getenv("WALT_DEBUG") != null) {
            ex.printStackTrace(cl.getErr());
        }
        String limit = resourceLimit(ex);
        if (limit != null) {
            cl.getErr().println("walt: " + limit);
            return FAILURE;
        }
        Throwable t = ex instanceof UncheckedIOException u ? u.getCause() : ex;
        cl.getErr().println("walt: " + describe(t));
        return t instanceof IOException || t instanceof IllegalArgumentException ? BAD_INPUT : FAILURE;
    }

    /**
     * What to say when Java ran out of heap or stack anywhere in {@code t}'s causes (a worker
     * thread's error arrives wrapped), or null. Not bad input: the same input fits in a larger
     * JVM. Picocli hands only exceptions to this reporter, so {@link Main} asks too.
     */
    static String resourceLimit(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof OutOfMemoryError) {
                return "out of memory: the tree does not fit in Java's heap (the launcher gives it 400 MiB;"
                        + " allow more through WALT_JAVA_OPTS, e.g. WALT_JAVA_OPTS=-Xmx2g)";
            }
            if (c instanceof StackOverflowError) {
                // Writers and walks descend the tree recursively: a tar can nest folders thousands deep.
                return "Java's stack overflowed, most likely on a tree nested thousands of folders deep"
                        + " (allow more through WALT_JAVA_OPTS, e.g. WALT_JAVA_OPTS=-Xss64m; WALT_DEBUG=1 shows where)";
            }
        }
        return null;
    }

    static String describe(Throwable t) {
        String msg = t.getMessage();
        if (t instanceof java.nio.file.NoSuchFileException) {
            return "no such file: " + msg;
        }
        if (t instanceof java.nio.file.FileAlreadyExistsException) {
            return "file exists: " + msg;
        }
        if (t instanceof java.nio.file.AccessDeniedException) {
            return "permission denied: " + msg;
        }
        if (msg == null || msg.isBlank()) {
            return t.getClass().getSimpleName();
        }
        // One line, whatever the message held.
        return msg.replaceAll("[\\r\\n]+", " ");
    }
}
