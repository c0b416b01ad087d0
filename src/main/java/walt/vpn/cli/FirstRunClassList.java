package walt.vpn.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The list of classes a command's first run loads, which the {@code ./walt} launcher puts in
 * its class data sharing archive for every later run of that command. A run that failed (a
 * typo in an option, a missing input) stopped before loading most of what its command needs:
 * its list would leave the archive short for good, so it is dropped, and the next run lists
 * again.
 */
final class FirstRunClassList {

    /** Set by the launcher on a command's first run: where the JVM writes the list. */
    static final String PROPERTY = "walt.classlist";

    private FirstRunClassList() {
    }

    /** Drops the list of this run, if it is a first run, when it ends with {@code exitCode} != 0. */
    static void settle(int exitCode) {
        String list = System.getProperty(PROPERTY);
        if (exitCode == 0 || list == null) {
            return;
        }
        try {
            // The JVM may still add to the list until it exits: unlinked, it goes with the file.
            Files.deleteIfExists(Path.of(list));
        } catch (IOException | RuntimeException e) {
            // Only the speed-up of later runs is at stake, never this run's outcome.
        }
    }
}
