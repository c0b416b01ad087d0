package walt.vpn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import walt.vpn.tree.InvalidDataException;

/** Failures as the user sees them: one line, and an exit status that says whose fault it was. */
class ErrorReporterTest {

    private final StringWriter err = new StringWriter();
    private final CommandLine cl = new CommandLine(new WaltCommand()).setErr(new PrintWriter(err, true));

    private int report(Exception e) {
        return new ErrorReporter().handleExecutionException(e, cl, null);
    }

    @Test
    void badInputIsStatusTwo() {
        assertEquals(ErrorReporter.BAD_INPUT, report(new InvalidDataException("x.img: not an ext4 filesystem")));
        assertEquals(ErrorReporter.BAD_INPUT, report(new NoSuchFileException("rootfs")));
        assertEquals(ErrorReporter.BAD_INPUT, report(new IllegalArgumentException("--size: not a size: 'lots'")));
        // A reader thread's failure arrives wrapped: what it was decides.
        assertEquals(ErrorReporter.BAD_INPUT, report(new IOException("reading file content failed", new InvalidDataException("inode 12: bad extent"))));
        assertEquals("walt: x.img: not an ext4 filesystem\nwalt: no such file: rootfs\nwalt: --size: not a size: 'lots'\n"
                + "walt: reading file content failed\n", err.toString());
    }

    @Test
    void theEnvironmentsFailuresAreStatusOneAndSaySo() {
        assertEquals(ErrorReporter.FAILURE, report(new IOException("No space left on device")));
        assertEquals(ErrorReporter.FAILURE, report(new IOException("write at 4096 failed", new IOException("Input/output error"))));
        assertEquals(ErrorReporter.FAILURE, report(new java.net.UnknownHostException("deb.debian.org")));
        assertEquals(ErrorReporter.FAILURE, report(new java.net.ConnectException("Connection refused")));
        assertEquals(ErrorReporter.FAILURE, report(new java.nio.file.AccessDeniedException("/var/lib/walt")));
        assertEquals(ErrorReporter.FAILURE, report(new IOException("the WalT VPN server is not running")));
        assertEquals("""
                walt: I/O error: No space left on device
                walt: I/O error: write at 4096 failed: Input/output error
                walt: network: cannot resolve deb.debian.org
                walt: network: Connection refused
                walt: permission denied: /var/lib/walt
                walt: the WalT VPN server is not running
                """, err.toString());
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
