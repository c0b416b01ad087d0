package walt.vpn.ext4;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class Crc32cTest {

    /** The bit-at-a-time definition, slow and obviously right. */
    private static int reference(int crc, byte[] b) {
        for (byte x : b) {
            crc ^= x & 0xFF;
            for (int k = 0; k < 8; k++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0x82F63B78 : crc >>> 1;
            }
        }
        return crc;
    }

    @Test
    void standardCheckValue() {
        // CRC-32C of "123456789" is 0xE3069283 with the usual start and final inversion.
        byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0xE3069283, ~Crc32c.update(~0, check));
    }

    @Property(tries = 300)
    void anySeedMatchesTheBitwiseDefinition(@ForAll int seed, @ForAll byte[] data) {
        assertEquals(reference(seed, data), Crc32c.update(seed, data));
    }

    /** Short inputs take a table path, long ones the CRC32C instruction: both sides of the cut. */
    @Property(tries = 200)
    void shortAndLongInputsMatchTheBitwiseDefinition(@ForAll int seed, @ForAll @IntRange(min = 0, max = 40) int length,
                                                      @ForAll long fill) {
        byte[] data = new byte[length];
        new java.util.Random(fill).nextBytes(data);
        assertEquals(reference(seed, data), Crc32c.update(seed, data));
        if (length > 0) {
            assertEquals(reference(seed, java.util.Arrays.copyOfRange(data, 1, length)), Crc32c.update(seed, data, 1, length - 1));
        }
    }

    @Property(tries = 200)
    void intsAndLongsGoInLittleEndian(@ForAll int seed, @ForAll long value) {
        byte[] le = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(value).array();
        assertEquals(reference(seed, java.util.Arrays.copyOf(le, 4)), Crc32c.updateInt(seed, (int) value));
        assertEquals(reference(seed, le), Crc32c.updateLong(seed, value));
    }

    @Property(tries = 100)
    void chainedUpdatesEqualOneUpdate(@ForAll int seed, @ForAll byte[] a, @ForAll byte[] b) {
        byte[] ab = new byte[a.length + b.length];
        System.arraycopy(a, 0, ab, 0, a.length);
        System.arraycopy(b, 0, ab, a.length, b.length);
        assertEquals(Crc32c.update(seed, ab), Crc32c.update(Crc32c.update(seed, a), b));
    }
}
