package walt.vpn.ext4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import walt.vpn.disk.ImageFile;
import walt.vpn.testing.Tools;
import walt.vpn.testing.TreeAssert;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.RegularFile;

/**
 * Images that need recovery, their journal written by debugfs (journal_open/write/close: real
 * jbd2 transactions, needs_recovery set, nothing replayed), read as e2fsck -fy recovers them.
 * The transactions carry the blocks an edit changed (the superblock, descriptors, bitmaps,
 * inodes, directories, new data, one block that begins with the journal magic and so is
 * escaped), then a block revoked later, then an uncommitted one.
 */
class Ext4JournalReplayTest {

    static final int BLOCK = 4096;

    @TempDir
    static Path work;

    static Path src;
    static Path junk;
    static Path escaped;

    @BeforeAll
    static void source() throws Exception {
        src = Files.createDirectories(work.resolve("src"));
        Files.createDirectories(src.resolve("etc"));
        Files.writeString(src.resolve("etc/hostname"), "node\n");
        Files.writeString(src.resolve("etc/old"), "to be removed\n");
        byte[] keep = new byte[3 * BLOCK];
        new Random(1).nextBytes(keep);
        Files.write(src.resolve("etc/keep"), keep);
        byte[] j = new byte[BLOCK];
        Arrays.fill(j, (byte) 'J');
        junk = Files.write(work.resolve("junk"), j);
        byte[] e = new byte[3 * BLOCK];
        new Random(2).nextBytes(e);
        // The journal magic, big-endian, at the start of a block: jbd2 logs it escaped.
        e[0] = (byte) 0xC0;
        e[1] = 0x3B;
        e[2] = 0x39;
        e[3] = (byte) 0x98;
        escaped = Files.write(work.resolve("escaped"), e);
    }

    /** The numbers of the blocks that differ between two images of the same size. */
    private static List<Long> changedBlocks(byte[] a, byte[] b) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < a.length; i += BLOCK) {
            if (!Arrays.equals(a, i, i + BLOCK, b, i, i + BLOCK)) {
                out.add((long) i / BLOCK);
            }
        }
        return out;
    }

    private static Path blocksOf(byte[] image, List<Long> blocks, Path file) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (long b : blocks) {
            out.write(image, (int) (b * BLOCK), BLOCK);
        }
        return Files.write(file, out.toByteArray());
    }

    private static String list(List<Long> blocks) {
        return blocks.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    private static long firstBlockOf(Path img, String path, int index) throws Exception {
        String blocks = Mke2fsImages.debugfs(img, "blocks " + path).trim();
        return Long.parseLong(blocks.split("\\s+")[index]);
    }

    /**
     * A clean image, the same image edited by debugfs ("after"), and the clean one with the
     * edit's blocks logged in its journal by {@code jo OPTIONS}, ending with the given extra
     * journal requests.
     */
    private record Dirty(Path after, Path dirty) {
    }

    private Dirty dirty(String name, String mkfsOptions, String journalOptions, String... extra) throws Exception {
        return dirty(name, mkfsOptions, journalOptions, -1, extra);
    }

    /** As above; a {@code firstSequence} of 0 or more is the journal's first transaction number. */
    private Dirty dirty(String name, String mkfsOptions, String journalOptions, long firstSequence, String... extra) throws Exception {
        Path clean = Mke2fsImages.make(src, work.resolve(name + ".img"), mkfsOptions, "32M");
        if (firstSequence >= 0) {
            editJournal(clean, (raw, log) -> ByteBuffer.wrap(raw).putInt((int) (log.get(0) * BLOCK + JSB_SEQUENCE), (int) firstSequence));
        }
        Path after = Files.copy(clean, work.resolve(name + "-after.img"), StandardCopyOption.REPLACE_EXISTING);
        Mke2fsImages.debugfsWrite(after, "write " + escaped + " /etc/new", "rm /etc/old", "sif /etc/hostname mode 0100600",
                "mkdir /newdir");
        byte[] before = Files.readAllBytes(clean);
        byte[] edited = Files.readAllBytes(after);
        List<Long> changed = changedBlocks(before, edited);
        assertTrue(changed.size() > 6, "the edit changed " + changed);
        List<Long> first = changed.subList(0, changed.size() / 2);
        List<Long> second = changed.subList(changed.size() / 2, changed.size());
        Path p1 = blocksOf(edited, first, work.resolve(name + ".t1"));
        Path p2 = blocksOf(edited, second, work.resolve(name + ".t2"));
        List<String> requests = new ArrayList<>(List.of("jo " + journalOptions, "jw -b " + list(first) + " " + p1,
                "jw -b " + list(second) + " " + p2));
        requests.addAll(List.of(extra));
        requests.add("jc");
        Path cmds = Files.write(work.resolve(name + ".cmds"), requests);
        Tools.Result r = Tools.run(List.of("debugfs", "-w", "-f", cmds.toString(), clean.toString()), null, 60);
        assertEquals(0, r.exit(), r.all());
        assertTrue(Tools.run("dumpe2fs", "-h", clean.toString()).stdout().contains("needs_recovery"), "needs_recovery set");
        return new Dirty(after, clean);
    }

    /** What e2fsck -fy made of a copy of a dirty image (the recovery oracle), and what it said. */
    private record Recovered(Path image, String output) {
        boolean abortedReplay() {
            return output.contains("replay was aborted");
        }
    }

    private Recovered recoveredByE2fsck(Path dirty) throws Exception {
        Path copy = Files.copy(dirty, work.resolve(dirty.getFileName() + ".recovered"), StandardCopyOption.REPLACE_EXISTING);
        Tools.Result r = Tools.run("e2fsck", "-fy", copy.toString());
        assertTrue(r.exit() <= 1, r.all());
        assertTrue(r.all().contains("recovering journal"), r.all());
        return new Recovered(copy, r.all());
    }

    private static void assertSameTree(Path expected, Path actual) throws Exception {
        try (ImageFile e = ImageFile.openReadOnly(expected); ImageFile a = ImageFile.openReadOnly(actual)) {
            TreeAssert.assertSameTree(Ext4Volume.open(e).readTree(), Ext4Volume.open(a).readTree(), TreeAssert.Fidelity.FULL);
        }
    }

    @ParameterizedTest
    @CsvSource({
        "ext4, -t ext4 -b 4096, ''",
        "ext4-csum-v3, -t ext4 -b 4096, -c",
        "ext4-csum-v2, -t ext4 -b 4096, -c -v 2",
        "ext4-32bit, -t ext4 -b 4096 -O ^64bit, -c",
        "ext3, -t ext3 -b 4096, ''",
        "ext3-journal-checksum, -t ext3 -b 4096, -c"})
    void readsWhatRecoveryGives(String name, String mkfs, String journal) throws Exception {
        Tools.require("debugfs");
        Tools.require("e2fsck");
        Path probe = Mke2fsImages.make(src, work.resolve(name + "-probe.img"), mkfs, "32M");
        long keep0 = firstBlockOf(probe, "/etc/keep", 0);
        long keep1 = firstBlockOf(probe, "/etc/keep", 1);
        // Junk logged over /etc/keep and revoked by the next transaction; junk in a transaction never committed.
        Dirty d = dirty(name, mkfs, journal, "jw -b " + keep0 + " " + junk, "jw -r " + keep0, "jw -c -b " + keep1 + " " + junk);
        Recovered recovered = recoveredByE2fsck(d.dirty());
        assertSameTree(recovered.image(), d.dirty());
        if (journal.isEmpty() || !mkfs.contains("ext3")) {
            assertFalse(recovered.abortedReplay(), recovered.output());
            assertSameTree(d.after(), recovered.image());
        } else {
            // journal_checksum (v1): debugfs's revoke-only transaction carries a CRC-32 that
            // e2fsck rejects, so the replay stops before the revoke and the junk is replayed.
            assertTrue(recovered.abortedReplay(), recovered.output());
        }
        try (ImageFile f = ImageFile.openReadOnly(d.dirty())) {
            FileTree t = Ext4Volume.open(f).readTree();
            assertEquals(Files.size(src.resolve("etc/keep")), ((RegularFile) t.lookup("/etc/keep")).content().size());
            assertTrue(Arrays.equals(Files.readAllBytes(escaped), ((RegularFile) t.lookup("/etc/new")).content().readAll()),
                    "escaped block restored");
        }
    }

    private static final int JSB_MAX_LEN = 0x10;
    private static final int JSB_SEQUENCE = 0x18;
    private static final int JSB_START = 0x1C;

    private interface JournalEdit {
        /** Changes {@code raw}, the image, whose journal blocks are {@code log} (journal block i at log.get(i)). */
        void apply(byte[] raw, List<Long> log) throws Exception;
    }

    private static void editJournal(Path img, JournalEdit edit) throws Exception {
        List<Long> log = new ArrayList<>();
        for (String b : Mke2fsImages.debugfs(img, "blocks <8>").trim().split("\\s+")) {
            log.add(Long.parseLong(b));
        }
        byte[] raw = Files.readAllBytes(img);
        edit.apply(raw, log);
        Files.write(img, raw);
    }

    @ParameterizedTest
    @CsvSource({"sequence-wrap, 4294967294, false", "log-wrap, 7, true", "both-wrap, 4294967295, true"})
    void theLogAndItsSequenceNumbersWrap(String name, long firstSequence, boolean rotate) throws Exception {
        Tools.require("debugfs");
        Path probe = Mke2fsImages.make(src, work.resolve(name + "-probe.img"), "-t ext4 -b 4096", "32M");
        long keep0 = firstBlockOf(probe, "/etc/keep", 0);
        Dirty d = dirty(name, "-t ext4 -b 4096", "", firstSequence, "jw -b " + keep0 + " " + junk, "jw -r " + keep0);
        if (rotate) {
            // The log moved so that it runs off the journal's end and on from its first log block.
            editJournal(d.dirty(), (raw, log) -> {
                ByteBuffer jsb = ByteBuffer.wrap(raw, 0, raw.length);
                int sb = (int) (log.get(0) * BLOCK);
                int maxLen = jsb.getInt(sb + JSB_MAX_LEN);
                int used = 0;
                while (jsb.getInt((int) (log.get(1 + used) * BLOCK)) == 0xC03B3998 || isLogged(raw, log, 1 + used)) {
                    used++;
                }
                byte[][] blocks = new byte[used][];
                for (int i = 0; i < used; i++) {
                    int at = (int) (log.get(1 + i) * BLOCK);
                    blocks[i] = Arrays.copyOfRange(raw, at, at + BLOCK);
                    Arrays.fill(raw, at, at + BLOCK, (byte) 0);
                }
                int tail = used / 2;
                for (int i = 0; i < used; i++) {
                    int pos = i < tail ? maxLen - tail + i : 1 + i - tail;
                    System.arraycopy(blocks[i], 0, raw, (int) (log.get(pos) * BLOCK), BLOCK);
                }
                jsb.putInt(sb + JSB_START, maxLen - tail);
            });
        }
        Recovered recovered = recoveredByE2fsck(d.dirty());
        assertFalse(recovered.abortedReplay(), recovered.output());
        assertSameTree(d.after(), recovered.image());
        assertSameTree(recovered.image(), d.dirty());
    }

    /** Whether journal block {@code i} is in use: a journal block or a data block some earlier descriptor counted. */
    private static boolean isLogged(byte[] raw, List<Long> log, int i) {
        // Data blocks of this test's transactions are never all zero; the unused log is.
        int at = (int) (log.get(i) * BLOCK);
        for (int k = 0; k < BLOCK; k++) {
            if (raw[at + k] != 0) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aCommitBlockWithABadChecksumEndsTheReplay() throws Exception {
        Tools.require("debugfs");
        Path probe = Mke2fsImages.make(src, work.resolve("badcommit-probe.img"), "-t ext4 -b 4096", "32M");
        long keep0 = firstBlockOf(probe, "/etc/keep", 0);
        Dirty d = dirty("badcommit", "-t ext4 -b 4096", "-c", "jw -b " + keep0 + " " + junk);
        // The last transaction (the junk) is the last commit block in the log: damage its commit time.
        Path img = d.dirty();
        byte[] raw = Files.readAllBytes(img);
        int commit = lastCommitBlock(raw, img);
        raw[commit * BLOCK + 0x30] ^= 1;
        Files.write(img, raw);
        Recovered recovered = recoveredByE2fsck(img);
        // e2fsck too replays the edit but not the junk whose commit no longer matches.
        assertSameTree(d.after(), recovered.image());
        assertSameTree(recovered.image(), img);
    }

    /**
     * A descriptor whose checksum fails in a transaction that committed after the last good
     * one is damage, not a stale block: the kernel and e2fsck stop recovery with an error, and
     * so do we, where we used to end the log there and read the image as clean.
     */
    @Test
    void aDamagedDescriptorBlockIsRefused() throws Exception {
        Tools.require("debugfs");
        Path probe = Mke2fsImages.make(src, work.resolve("baddesc-probe.img"), "-t ext4 -b 4096", "32M");
        long keep0 = firstBlockOf(probe, "/etc/keep", 0);
        Dirty d = dirty("baddesc", "-t ext4 -b 4096", "-c", "jw -b " + keep0 + " " + junk);
        Path img = d.dirty();
        byte[] raw = Files.readAllBytes(img);
        int descriptor = lastBlockOfType(img, "descriptor block");
        // A byte of its first tag's block number: only the block's checksum can tell.
        raw[descriptor * BLOCK + 12 + 3] ^= 1;
        Files.write(img, raw);
        Path copy = Files.copy(img, work.resolve("baddesc-e2fsck.img"), StandardCopyOption.REPLACE_EXISTING);
        Tools.Result e2fsck = Tools.run("e2fsck", "-fy", copy.toString());
        assertTrue(e2fsck.exit() > 1 || e2fsck.all().toLowerCase(java.util.Locale.ROOT).contains("corrupt")
                || e2fsck.all().contains("checksum"), "e2fsck notices: " + e2fsck.all());
        Mke2fsImages.assertRejected(img, "fails its checksum", "e2fsck");
    }

    private static final int JSB_CHECKSUM_TYPE = 0x50;
    private static final int JSB_CHECKSUM = 0xFC;
    private static final int JSB_INCOMPAT = 0x28;

    /**
     * A checksummed journal names crc32c, the one type v2 and v3 define, and one of the two
     * formats: the kernel refuses to load any other, e2fsck too, and so do we. The superblock
     * is signed again after the edit, so that only the named field is wrong.
     */
    @ParameterizedTest
    @CsvSource({"crc32-type, 1, 0, unknown checksum type 1", "v2-and-v3, 4, 8, both checksum formats v2 and v3"})
    void aJournalSuperblockTheKernelWouldNotLoadIsRefused(String name, int type, int extraIncompat, String words) throws Exception {
        Tools.require("debugfs");
        Tools.require("e2fsck");
        Path probe = Mke2fsImages.make(src, work.resolve(name + "-probe.img"), "-t ext4 -b 4096", "32M");
        long keep0 = firstBlockOf(probe, "/etc/keep", 0);
        Dirty d = dirty(name, "-t ext4 -b 4096", "-c", "jw -b " + keep0 + " " + junk);
        Path img = d.dirty();
        Mke2fsImages.readAll(img);
        editJournal(img, (raw, log) -> {
            int sb = (int) (log.get(0) * BLOCK);
            ByteBuffer b = ByteBuffer.wrap(raw);
            raw[sb + JSB_CHECKSUM_TYPE] = (byte) type;
            b.putInt(sb + JSB_INCOMPAT, b.getInt(sb + JSB_INCOMPAT) | extraIncompat);
            b.putInt(sb + JSB_CHECKSUM, 0);
            b.putInt(sb + JSB_CHECKSUM, Crc32c.update(~0, Arrays.copyOfRange(raw, sb, sb + JournalSuperblock.SIZE)));
        });
        Path copy = Files.copy(img, work.resolve(name + "-e2fsck.img"), StandardCopyOption.REPLACE_EXISTING);
        Tools.Result e2fsck = Tools.run("e2fsck", "-fn", copy.toString());
        assertTrue(e2fsck.exit() != 0, "e2fsck does not load it either: " + e2fsck.all());
        Mke2fsImages.assertRejected(img, "the journal needs recovery", words, "e2fsck");
    }

    /** The filesystem block of the journal's last block of {@code type} ("commit block", "descriptor block"). */
    private static int lastBlockOfType(Path img, String type) throws Exception {
        String log = Mke2fsImages.debugfs(img, "logdump");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\(" + type + "\\) at block (\\d+)").matcher(log);
        long journalBlock = -1;
        while (m.find()) {
            journalBlock = Long.parseLong(m.group(1));
        }
        assertTrue(journalBlock > 0, log);
        return Integer.parseInt(Mke2fsImages.debugfs(img, "bmap <8> " + journalBlock).trim());
    }

    /** The filesystem block of the journal's last commit block, found through logdump's journal block numbers. */
    private static int lastCommitBlock(byte[] raw, Path img) throws Exception {
        return lastBlockOfType(img, "commit block");
    }

    /** The flag without a journal: nothing to replay, so the tree is read as it is, as e2fsck leaves it. */
    @Test
    void needsRecoveryWithoutAJournalIsReadAsItIs() throws Exception {
        Path img = Mke2fsImages.make(src, work.resolve("nojournal.img"), "-t ext4 -b 4096 -O ^has_journal", "32M");
        Mke2fsImages.debugfsWrite(img, "feature needs_recovery");
        assertTrue(Tools.run("dumpe2fs", "-h", img.toString()).stdout().contains("needs_recovery"), "needs_recovery set");
        Path copy = Files.copy(img, work.resolve("nojournal-e2fsck.img"), StandardCopyOption.REPLACE_EXISTING);
        Tools.Result e2fsck = Tools.run("e2fsck", "-fy", copy.toString());
        assertTrue(e2fsck.exit() <= 1 && e2fsck.all().contains("needs_recovery flag is set, but no journal is present"), e2fsck.all());
        assertSameTree(copy, img);
    }

    @Test
    void anExternalJournalIsRefusedClearly() throws Exception {
        Path img = Mke2fsImages.make(src, work.resolve("external.img"), "-t ext4 -b 4096 -O ^has_journal", "32M");
        Mke2fsImages.debugfsWrite(img, "feature has_journal needs_recovery", "ssv journal_uuid 0b6d8a3e-1f2c-4d5e-8f70-112233445566");
        Mke2fsImages.assertE2fsckComplains(img);
        Mke2fsImages.assertRejected(img, "external journal", "e2fsck -fy");
    }
}
