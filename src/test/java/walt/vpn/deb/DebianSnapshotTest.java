package walt.vpn.deb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class DebianSnapshotTest {

    @Test
    void bothSpellingsGiveTheSameMomentAndUrl() {
        DebianSnapshot iso = DebianSnapshot.parse("2025-06-01T00:00:00Z");
        DebianSnapshot stamp = DebianSnapshot.parse("20250601T000000Z");
        assertEquals(iso, stamp);
        assertEquals(Instant.ofEpochSecond(1748736000L), iso.time());
        assertEquals("20250601T000000Z", iso.stamp());
        assertEquals(URI.create("https://snapshot.debian.org/archive/debian/20250601T000000Z/"), iso.mirror(null));
        assertEquals("20251231T235959Z", DebianSnapshot.parse("2025-12-31T23:59:59Z").stamp(), "no time zone shift");
    }

    @Test
    void aMirrorOfOurOwnTakesTheStampWhereItSays() {
        DebianSnapshot s = DebianSnapshot.parse("20240229T101112Z");
        assertEquals(URI.create("http://127.0.0.1:8080/archive/debian/20240229T101112Z/"),
                s.mirror("http://127.0.0.1:8080/archive/debian/{snapshot}/"));
        assertThrows(IllegalArgumentException.class, () -> s.mirror("http://127.0.0.1:8080/debian/"));
    }

    @Test
    void badTimesAreRefused() {
        for (String bad : new String[] {"2025-06-01", "2025-06-01T00:00:00", "2025-06-01T00:00:00+02:00", "20250230T000000Z",
                "20250601T250000Z", "yesterday", ""}) {
            assertThrows(IllegalArgumentException.class, () -> DebianSnapshot.parse(bad), bad);
        }
    }
}
