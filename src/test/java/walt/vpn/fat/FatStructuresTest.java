package walt.vpn.fat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import walt.vpn.tree.InvalidDataException;
import walt.vpn.tree.Timestamp;

/** The on-disk structures on their own: names, checksums, times, boot sector round trips. */
class FatStructuresTest {

    private static String alias(String name, Set<String> taken, Map<String, Integer> tails) {
        ShortName sn = ShortName.forName(name, taken, tails);
        taken.add(sn.key());
        return sn.key();
    }

    @Test
    void shortNamesLikeLinuxAndWindows() {
        Set<String> taken = new HashSet<>();
        Map<String, Integer> tails = new HashMap<>();
        assertEquals("README  TXT", alias("README.TXT", taken, tails));
        ShortName lower = ShortName.forName("config.txt", taken, tails);
        assertEquals("CONFIG  TXT", lower.key());
        assertEquals(DirectoryEntry.CASE_LOWER_BASE | DirectoryEntry.CASE_LOWER_EXT, lower.caseFlags());
        assertFalse(lower.needsLongName());
        ShortName lowerBase = ShortName.forName("cmdline.TXT", taken, tails);
        assertEquals(DirectoryEntry.CASE_LOWER_BASE, lowerBase.caseFlags());
        ShortName mixed = ShortName.forName("Mixed.txt", taken, tails);
        assertEquals("MIXED   TXT", mixed.key());
        assertTrue(mixed.needsLongName());
        assertEquals("LONGFI~1CON", alias("long file name.conf", taken, tails));
        assertEquals("LONGFI~2CON", alias("long file name 2.conf", taken, tails));
        assertEquals("BASHRC~1   ", alias(".bashrc", taken, tails));
        assertEquals("A_B~1   TXT", alias("a+b.txt", taken, tails));
        assertEquals("__~1    TXT", alias("日本.txt", taken, tails));
        assertEquals("XY~1    Z-9", alias("x.y.z-97357", taken, tails));
        for (int i = 3; i <= 10; i++) {
            alias("long file name " + i + ".conf", taken, tails);
        }
        assertTrue(taken.contains("LONGF~10CON"), taken.toString());
        // An alias never equals an existing 8.3 name.
        Set<String> t2 = new HashSet<>(Set.of("CONFIG  TXT"));
        assertEquals("CONFIG~1TXT", ShortName.forName("config.txt", t2, new HashMap<>()).key());
    }

    @Test
    void displayAppliesCaseFlagsAndE5Escape() {
        byte[] n = "CONFIG  TXT".getBytes(StandardCharsets.US_ASCII);
        assertEquals("config.TXT", ShortName.display(n, DirectoryEntry.CASE_LOWER_BASE));
        assertEquals("CONFIG.txt", ShortName.display(n, DirectoryEntry.CASE_LOWER_EXT));
        assertEquals("NOEXT", ShortName.display("NOEXT      ".getBytes(StandardCharsets.US_ASCII), 0));
        byte[] e5 = "XABC       ".getBytes(StandardCharsets.US_ASCII);
        e5[0] = 0x05;
        assertEquals(0xE5, ShortName.display(e5, 0).getBytes(java.nio.charset.Charset.forName("IBM850"))[0] & 0xFF);
    }

    @Test
    void longNameValidity() {
        assertNull(ShortName.invalidReason("a name with spaces and ünïcødé.txt"));
        assertNotNull(ShortName.invalidReason("a:b"));
        assertNotNull(ShortName.invalidReason("a\u0001b"));
        assertNotNull(ShortName.invalidReason("dot."));
        assertNotNull(ShortName.invalidReason("space "));
        assertNotNull(ShortName.invalidReason("x".repeat(256)));
        assertNull(ShortName.invalidReason("x".repeat(255)));
    }

    @Test
    void longNameSlotsRoundTrip() {
        byte[] sn = "LONGFI~1CON".getBytes(StandardCharsets.US_ASCII);
        int sum = LongNameEntry.checksum(sn);
        // Checksum by the rotate-right-and-add rule, computed independently here.
        int expect = 0;
        for (byte b : sn) {
            expect = ((expect >>> 1) | ((expect & 1) << 7)) + (b & 0xFF) & 0xFF;
        }
        assertEquals(expect, sum);
        String name = "a name exactly 26 units...";
        assertEquals(26, name.length());
        List<LongNameEntry> slots = LongNameEntry.forName(name, sum);
        assertEquals(2, slots.size());
        assertTrue(slots.get(0).last());
        assertEquals(2, slots.get(0).ordinal());
        StringBuilder back = new StringBuilder();
        for (int i = slots.size() - 1; i >= 0; i--) {
            byte[] raw = slots.get(i).toBytes();
            assertEquals(0x0F, raw[11]);
            LongNameEntry p = LongNameEntry.parse(ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN), 0);
            assertEquals(sum, p.checksum());
            back.append(p.text());
        }
        assertEquals(name, back.toString());
        // A shorter name is NUL-terminated and padded with 0xFFFF.
        char[] u = LongNameEntry.forName("abc", sum).get(0).units();
        assertEquals(0, u[3]);
        assertEquals(0xFFFF, u[4]);
    }

    @Test
    void timesEncodeTwoSecondsPlusTenMillis() {
        Timestamp t = new Timestamp(1_600_000_001L, 990_000_000); // 2020-09-13T12:26:41.99Z
        int[] e = DirectoryEntry.encode(t);
        assertEquals(((2020 - 1980) << 9) | (9 << 5) | 13, e[0]);
        assertEquals((12 << 11) | (26 << 5) | 20, e[1]);
        assertEquals(199, e[2]);
        assertEquals(t, DirectoryEntry.decode(e[0], e[1], e[2]));
        assertEquals(Timestamp.ofSeconds(1_600_000_000L), DirectoryEntry.decode(e[0], e[1], 0));
        // Before 1980 clamps to the FAT epoch; impossible fields do not throw.
        int[] early = DirectoryEntry.encode(Timestamp.ofSeconds(0));
        assertEquals(Timestamp.ofSeconds(DirectoryEntry.FAT_EPOCH), DirectoryEntry.decode(early[0], early[1], early[2]));
        assertEquals(Timestamp.ofSeconds(DirectoryEntry.FAT_EPOCH), DirectoryEntry.decode(0, 0xFFFF, 0));
        int[] late = DirectoryEntry.encode(Timestamp.ofSeconds(10_000_000_000L));
        assertEquals(DirectoryEntry.FAT_END, DirectoryEntry.decode(late[0], late[1], 0).seconds());
    }

    @Test
    void directoryEntryRoundTrip() {
        Timestamp t = new Timestamp(1_650_000_000L, 0);
        DirectoryEntry e = DirectoryEntry.of("FILE    BIN".getBytes(StandardCharsets.US_ASCII), DirectoryEntry.ATTR_ARCHIVE, 0x18,
                0x0123_4567L, 0xFFFF_FFFEL, t, t, t);
        DirectoryEntry back = DirectoryEntry.parse(ByteBuffer.wrap(e.toBytes()).order(ByteOrder.LITTLE_ENDIAN), 0);
        assertArrayEquals(e.toBytes(), back.toBytes());
        assertEquals(0x0123_4567L, back.firstCluster());
        assertEquals(0xFFFF_FFFEL, back.size());
        assertEquals(t, back.modified());
    }

    @Test
    void bootSectorAndFsInfoRoundTrip() throws Exception {
        long total = 80_000;
        long fat = FatWriter.fatSectors(total, 1);
        BootSector bs = BootSector.fat32(total, 1, fat, 0x1234ABCDL, "LBL");
        BootSector back = BootSector.parse(bs.toBytes(), total * 512);
        assertEquals(FatType.FAT32, back.type());
        assertEquals(0x1234ABCDL, back.volumeId());
        assertEquals("LBL", back.label());
        assertEquals(FatWriter.clustersFor(total, 1), back.clusterCount());
        assertTrue((back.clusterCount() + 2) * 4 <= fat * 512, "FAT maps every cluster");
        assertTrue((back.clusterCount() + 2) * 4 > (fat - 1) * 512, "and is no larger than needed");
        assertThrows(InvalidDataException.class, () -> BootSector.parse(bs.toBytes(), total * 512 - 1));
        FsInfo info = new FsInfo(123, 45);
        byte[] raw = info.toBytes(512);
        assertTrue(FsInfo.isFsInfo(raw));
        assertEquals(info, FsInfo.parse(raw));
    }

    @Test
    void clusterSizesFollowMkfsFat() {
        assertEquals(1, FatWriter.sectorsPerCluster(260L << 20));
        assertEquals(8, FatWriter.sectorsPerCluster((260L << 20) + 512));
        assertEquals(8, FatWriter.sectorsPerCluster(8L << 30));
        assertEquals(16, FatWriter.sectorsPerCluster((8L << 30) + 512));
        assertEquals(32, FatWriter.sectorsPerCluster(32L << 30));
        assertEquals(64, FatWriter.sectorsPerCluster(64L << 30));
    }
}
