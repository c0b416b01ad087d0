package walt.vpn.server;

import walt.vpn.ssh.Printable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.temporal.ChronoUnit;

/** Every decision, one line each, appended to an owner-only file. */
public final class AuditLog {

    private final Path file;
    private final Clock clock;

    public AuditLog(Path file, Clock clock) throws IOException {
        this.file = file;
        this.clock = clock;
        if (!Files.exists(file)) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
    }

    public synchronized void record(String event) {
        String line = clock.instant().truncatedTo(ChronoUnit.SECONDS) + " " + Printable.of(event) + "\n";
        try {
            Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println("walt-vpn: cannot write the audit log: " + e.getMessage());
        }
    }
}
