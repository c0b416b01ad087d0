package walt.vpn.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class MappedRangeTest {

    @Test
    void unionSortsAndMergesOverlappingAndTouchingRangesAndDropsEmptyOnes() {
        List<MappedRange> in = List.of(new MappedRange(100, 50), new MappedRange(0, 10), new MappedRange(10, 5),
                new MappedRange(120, 100), new MappedRange(300, 0), new MappedRange(400, 1));
        assertEquals(List.of(new MappedRange(0, 15), new MappedRange(100, 120), new MappedRange(400, 1)), MappedRange.union(in));
        assertEquals(List.of(), MappedRange.union(List.of()));
    }

    @Test
    void aRangeCannotStartOrEndBeforeZero() {
        assertThrows(IllegalArgumentException.class, () -> new MappedRange(-1, 5));
        assertThrows(IllegalArgumentException.class, () -> new MappedRange(5, -1));
    }

    @Test
    void withoutCutsARangeOutOfEachRangeItTouches() {
        List<MappedRange> in = List.of(new MappedRange(0, 10), new MappedRange(20, 30), new MappedRange(60, 10), new MappedRange(100, 5));
        assertEquals(List.of(new MappedRange(0, 10), new MappedRange(20, 5), new MappedRange(65, 5), new MappedRange(100, 5)),
                MappedRange.without(in, new MappedRange(25, 40)));
        assertEquals(List.of(new MappedRange(0, 4), new MappedRange(6, 4)), MappedRange.without(List.of(new MappedRange(0, 10)), new MappedRange(4, 2)));
        assertEquals(List.of(), MappedRange.without(List.of(new MappedRange(5, 5)), new MappedRange(0, 20)));
    }

    @Test
    void withinKeepsWhatEachRangeHasInsideTheWindow() {
        List<MappedRange> in = List.of(new MappedRange(0, 10), new MappedRange(20, 30), new MappedRange(60, 10), new MappedRange(100, 5));
        assertEquals(List.of(new MappedRange(25, 25), new MappedRange(60, 5)), MappedRange.within(in, new MappedRange(25, 40)));
        assertEquals(List.of(new MappedRange(4, 2)), MappedRange.within(List.of(new MappedRange(0, 10)), new MappedRange(4, 2)));
        assertEquals(List.of(), MappedRange.within(List.of(new MappedRange(5, 5)), new MappedRange(10, 20)));
        // Together, within and without give back every byte, once.
        MappedRange window = new MappedRange(8, 57);
        List<MappedRange> both = new java.util.ArrayList<>(MappedRange.within(in, window));
        both.addAll(MappedRange.without(in, window));
        assertEquals(MappedRange.totalLength(in), MappedRange.totalLength(both));
        assertEquals(in, MappedRange.union(both));
    }
}
