package walt.vpn.deb;

import java.net.URI;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;

/**
 * A moment of the Debian archive as snapshot.debian.org keeps it: pinning a build to one makes
 * it see the same packages whenever it runs, and gives it a build time that does not move.
 *
 * @param time the moment, whole seconds
 */
public record DebianSnapshot(Instant time) {

    /** Where snapshot.debian.org serves the main archive; the stamp and a slash follow. */
    public static final String ARCHIVE = "https://snapshot.debian.org/archive/debian/";
    /** Marks where the stamp goes in a mirror URL of the recipe's own. */
    public static final String PLACEHOLDER = "{snapshot}";

    /** snapshot.debian.org's own spelling, {@code 20250601T000000Z}. */
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'")
            .withResolverStyle(ResolverStyle.STRICT);

    public DebianSnapshot {
        if (time.getNano() != 0) {
            throw new IllegalArgumentException("a snapshot time has whole seconds");
        }
    }

    /** Reads {@code 2025-06-01T00:00:00Z} (ISO 8601, UTC) or {@code 20250601T000000Z}. */
    public static DebianSnapshot parse(String text) {
        try {
            if (text.matches("[0-9]{8}T[0-9]{6}Z")) {
                return new DebianSnapshot(LocalDateTime.parse(text, STAMP).toInstant(ZoneOffset.UTC));
            }
            if (text.matches("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")) {
                return new DebianSnapshot(Instant.parse(text));
            }
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + text + "' is not a valid date: " + e.getMessage());
        }
        throw new IllegalArgumentException("'" + text + "' is not a UTC time like 2025-06-01T00:00:00Z or 20250601T000000Z");
    }

    /** {@code 20250601T000000Z}, as the snapshot archive's paths spell the time. */
    public String stamp() {
        return STAMP.format(LocalDateTime.ofInstant(time, ZoneOffset.UTC));
    }

    /**
     * The mirror to read: snapshot.debian.org at this time, or {@code template} with its
     * {@value #PLACEHOLDER} replaced by the stamp (a local copy of the snapshot archive).
     *
     * @param template a mirror URL with the placeholder, or null for snapshot.debian.org
     */
    public URI mirror(String template) {
        if (template == null) {
            return URI.create(ARCHIVE + stamp() + "/");
        }
        if (!template.contains(PLACEHOLDER)) {
            throw new IllegalArgumentException("a mirror used with a snapshot must say where the time goes with "
                    + PLACEHOLDER + ", e.g. " + ARCHIVE + PLACEHOLDER + "/");
        }
        return URI.create(template.replace(PLACEHOLDER, stamp()));
    }

    @Override
    public String toString() {
        return stamp();
    }
}
