package walt.vpn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Failures as the user sees them: one line, and an exit status that says whose fault it was. */
class ErrorReporterTest {

    private final StringWriter err = new StringWriter();
    private final CommandLine cl = new CommandLine(new WaltCommand()).setErr(new PrintWriter(err, true));

    private int report(Exception e) {
        return new ErrorReporter().handleExecutionException(e, cl, null);
    }

    @Test
    void badInputIsStatusTwo() {
        assertEquals(ErrorReporter.BAD_INPUT, report(new IOException("x.img: not an ext4 filesystem")));
        assertEquals("walt: x.img: not an ext4 filesystem\n", err.toString());
    }

    @Test
    void javaRunningOutOfHeapOnAWorkerThreadIsNotBadInput() {
        // The copier's readers and the write-behind thread hand their failures on inside an IOException.
        int status = report(new IOException("reading file content failed", new OutOfMemoryError("Java heap space")));
        assertEquals(ErrorReporter.FAILURE, status);
        assertEquals("walt: " + ErrorReporter.resourceLimit(new OutOfMemoryError()) + "\n", err.toString());
        assertTrue(err.toString().startsWith("walt: out of memory: the tree does not fit in Java's heap"), err.toString());
    }

    @Test
    void aStackOverflowInsideAFutureIsReportedAsSuch() {
        assertEquals(ErrorReporter.FAILURE, report(new CompletionException(new StackOverflowError())));
        assertTrue(err.toString().startsWith("walt: Java's stack overflowed"), err.toString());
        assertNull(ErrorReporter.resourceLimit(new IOException("plain", new RuntimeException("cause"))));
    }
}
