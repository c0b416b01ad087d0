package walt.vpn.fat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import walt.vpn.tree.InvalidDataException;

/** Free cluster searches: the lowest free clusters first, whatever was allocated and freed before. */
class FatTableTest {

    private static final int MEDIA = 0xF8;

    @Test
    void allocationsTakeTheLowestFreeClustersAndAFreedClusterIsFoundAgain() throws Exception {
        FatTable t = new FatTable(FatType.FAT32, 100, MEDIA);
        assertEquals(List.of(2L, 3L, 4L), t.allocate(3, "a"));
        assertEquals(List.of(5L), t.allocate(1, "b"));
        assertEquals(6L, t.nextFree(2));
        t.free(List.of(3L));
        assertEquals(3L, t.nextFree(2), "a freed cluster below the others is found");
        assertEquals(List.of(3L), t.allocate(1, "c"));
        // A run of 2 does not fit in a hole of 1: it goes after the used clusters.
        t.free(List.of(4L));
        assertEquals(List.of(6L, 7L), t.allocate(2, "d"));
        assertEquals(List.of(4L), t.allocate(1, "e"));
        assertEquals(8L, t.nextFree(2));
        assertEquals(100 + 2 - 8, t.freeCount());
    }

    @Test
    void nextFreeWrapsAroundToTheStart() throws Exception {
        FatTable t = new FatTable(FatType.FAT32, 10, MEDIA);
        t.allocate(10, "all");
        t.free(List.of(4L));
        assertEquals(4L, t.nextFree(9), "after 9 every cluster is used: the search wraps");
        assertEquals(4L, t.nextFree(2));
        t.allocate(1, "last");
        assertEquals(-1L, t.nextFree(2));
        assertThrows(InvalidDataException.class, () -> t.allocate(1, "more"));
    }

    @Test
    void aChainScatteredWhenNoRunIsLongEnough() throws Exception {
        FatTable t = new FatTable(FatType.FAT32, 8, MEDIA);
        t.allocate(8, "all");
        t.free(List.of(3L, 6L, 8L));
        assertEquals(List.of(3L, 6L, 8L), t.allocate(3, "scattered"));
        assertEquals(6L, t.get(3));
        assertEquals(8L, t.get(6));
    }
}
