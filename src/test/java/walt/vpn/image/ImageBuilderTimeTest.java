package walt.vpn.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import walt.vpn.deb.DebianSnapshot;
import walt.vpn.tree.InvalidDataException;
import walt.vpn.tree.Timestamp;

class ImageBuilderTimeTest {

    private static final DebianSnapshot JUNE = DebianSnapshot.parse("2025-06-01T00:00:00Z");
    private static final Timestamp RELEASE = Timestamp.ofSeconds(1_760_000_000L);

    private static Timestamp noRelease() throws InvalidDataException {
        throw new InvalidDataException("the Release date was asked for");
    }

    @Test
    void aSnapshotIsTheBuildTimeUnlessSourceDateEpochIsSet() throws Exception {
        assertEquals(Timestamp.ofSeconds(1_748_736_000L), ImageBuilder.buildTime(null, JUNE, ImageBuilderTimeTest::noRelease));
        assertEquals(Timestamp.ofSeconds(42), ImageBuilder.buildTime(Timestamp.ofSeconds(42), JUNE, ImageBuilderTimeTest::noRelease));
        assertEquals(RELEASE, ImageBuilder.buildTime(null, null, () -> RELEASE));
    }
}
