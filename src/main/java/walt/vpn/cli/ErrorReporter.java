package walt.vpn.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import walt.vpn.tree.InvalidDataException;

/**
 * Turns every failure into one line on stderr and an exit status: 2 for bad input or usage
 * (an {@link InvalidDataException}, an {@link IllegalArgumentException}, a file named that
 * does not exist or is in the way), 1 for the environment (storage, network, permissions,
 * a missing tool or server) and anything else. Stack traces only with WALT_DEBUG=1.
 */
final class ErrorReporter implements IExecutionExceptionHandler, IParameterExceptionHandler {

    static final int BAD_INPUT = 2;
    static final int FAILURE = 1;

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        cl.getErr().println(prefix(cl) + ex.getMessage());
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
            cl.getErr().println(prefix(cl) + limit);
            return FAILURE;
        }
        Throwable t = ex instanceof UncheckedIOException u ? u.getCause() : ex;
        cl.getErr().println(prefix(cl) + describe(t));
        return status(t);
    }

    /** The name the user typed the command as: walt from a checkout, walt-vpn from the package. */
    private static String prefix(CommandLine cl) {
        return cl.getCommandSpec().root().name() + ": ";
    }

    /**
     * Whose fault {@code t} is. A worker thread's failure arrives wrapped, so the causes are
     * asked too: the first one that says decides.
     */
    static int status(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (isBadInput(c)) {
                return BAD_INPUT;
            }
        }
        return FAILURE;
    }

    private static boolean isBadInput(Throwable t) {
        return t instanceof InvalidDataException || t instanceof IllegalArgumentException
                || t instanceof NoSuchFileException || t instanceof FileAlreadyExistsException
                || t instanceof NotDirectoryException;
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
        if (t instanceof FileSystemException f && f.getFile() != null) {
            String file = f.getFile() + (f.getOtherFile() != null ? " -> " + f.getOtherFile() : "");
            if (f.getReason() != null) {
                return oneLine(file + ": " + f.getReason());
            }
            String what = t instanceof NoSuchFileException ? "no such file"
                    : t instanceof FileAlreadyExistsException ? "file exists"
                    : t instanceof AccessDeniedException ? "permission denied"
                    : t instanceof NotDirectoryException ? "not a directory"
                    : "I/O error on";
            return oneLine(what + (what.endsWith(" on") ? " " : ": ") + file);
        }
        if (t instanceof UnknownHostException) {
            return oneLine("network: cannot resolve " + msg);
        }
        if (t instanceof ConnectException || t instanceof SocketTimeoutException || t instanceof HttpTimeoutException) {
            return oneLine("network: " + (msg == null ? t.getClass().getSimpleName() : msg));
        }
        if (msg == null || msg.isBlank()) {
            return t.getClass().getSimpleName();
        }
        String system = systemError(t);
        if (system != null) {
            // The JDK hands the system's own words on, with no hint that the system said them.
            return oneLine("I/O error: " + (msg.contains(system) ? msg : msg + ": " + system));
        }
        return oneLine(msg);
    }

    /** The words of a storage failure among {@code t}'s causes, or null. */
    private static String systemError(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getClass() == IOException.class && SYSTEM_ERRORS.contains(c.getMessage())) {
                return c.getMessage();
            }
        }
        return null;
    }

    /** What strerror says of the failures of storage itself, as the JDK passes them on. */
    private static final java.util.Set<String> SYSTEM_ERRORS = java.util.Set.of("No space left on device",
            "Input/output error", "Read-only file system", "Disk quota exceeded", "File too large", "Stale file handle");

    private static String oneLine(String s) {
        return s.replaceAll("[\\r\\n]+", " ");
    }
}
