package walt.vpn.ext4;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import walt.vpn.disk.Storage;
import walt.vpn.tree.InvalidDataException;

/**
 * Replays an internal jbd2 journal in memory, as the kernel does when it mounts a filesystem
 * that needs recovery: from the log start the superblock names, transaction after transaction
 * while each one's commit block is there (and, with csum v2/v3, its checksum holds); then
 * every block those transactions logged and did not revoke later is redirected to its newest
 * logged copy. Nothing is written: the result is a map for {@link ReplayedStorage}.
 */
final class JournalReplay {

    /** Refusals say what the user can do instead. */
    static final String RECOVER_ELSEWHERE = "run e2fsck -fy on a copy, or mount it once";

    /** r_count: bytes of the revoke block in use, header included. */
    private static final int REVOKE_COUNT_OFFSET = JournalHeader.SIZE;
    private static final int REVOKE_RECORDS_OFFSET = JournalHeader.SIZE + 4;
    /** h_chksum[0] of a commit block: csum v2/v3 keep the block's crc32c there, journal_checksum its CRC-32. */
    private static final int COMMIT_CHECKSUM_OFFSET = 0x10;
    private static final int COMMIT_CHECKSUM_TYPE_OFFSET = 0xC;
    private static final int COMMIT_CHECKSUM_SIZE_OFFSET = 0xD;
    /** h_commit_sec: when the transaction committed, big-endian seconds. */
    private static final int COMMIT_SEC_OFFSET = 0x30;
    private static final int REVOKE_RECORD_32 = 4;
    private static final int REVOKE_RECORD_64 = 8;
    private static final int CRC32_TYPE = 1;
    private static final int CRC32_SIZE = 4;

    private final Storage image;
    private final int blockSize;
    private final long fsBlocks;
    private final List<BlockRun> runs;
    private JournalSuperblock jsb;

    private JournalReplay(Storage image, int blockSize, long fsBlocks, List<BlockRun> journalRuns) {
        this.image = image;
        this.blockSize = blockSize;
        this.fsBlocks = fsBlocks;
        List<BlockRun> sorted = new ArrayList<>(journalRuns);
        sorted.sort((a, b) -> Long.compare(a.logical(), b.logical()));
        this.runs = sorted;
    }

    /**
     * The blocks to redirect, for a journal whose inode maps to {@code journalRuns}; empty
     * when the log is clean.
     */
    static Map<Long, ReplayedStorage.Redirect> replay(Storage image, int blockSize, long fsBlocks, List<BlockRun> journalRuns)
            throws IOException {
        return new JournalReplay(image, blockSize, fsBlocks, journalRuns).run();
    }

    private Map<Long, ReplayedStorage.Redirect> run() throws IOException {
        try {
            jsb = JournalSuperblock.decode(readLog(0));
        } catch (InvalidDataException e) {
            throw new InvalidDataException("the journal needs recovery, but its " + e.getMessage() + ": " + RECOVER_ELSEWHERE);
        }
        if (jsb.start() == 0) {
            return Map.of();
        }
        int unknown = jsb.incompat() & ~JournalSuperblock.INCOMPAT_REPLAYABLE;
        if (unknown != 0) {
            throw new InvalidDataException("the journal needs recovery and uses features this reader does not replay (0x"
                    + Integer.toHexString(unknown) + (jsb.has(JournalSuperblock.INCOMPAT_FAST_COMMIT) ? ": fast commits" : "")
                    + "): " + RECOVER_ELSEWHERE);
        }
        if (jsb.blockSize() != blockSize || jsb.first() < 1 || jsb.first() >= jsb.maxLen() || jsb.start() < jsb.first()
                || jsb.start() >= jsb.maxLen()) {
            throw new InvalidDataException("journal superblock: bad geometry (block size " + jsb.blockSize() + ", log "
                    + jsb.first() + ".." + jsb.maxLen() + ", start " + jsb.start() + ")");
        }
        return replay(scan());
    }

    /** The committed transactions from the log start on, in order. */
    private List<JournalTransaction> scan() throws IOException {
        List<JournalTransaction> committed = new ArrayList<>();
        boolean checksums = jsb.hasChecksums();
        int seed = checksums ? jsb.csumSeed() : 0;
        int usable = blockSize - (checksums ? JournalHeader.TAIL_SIZE : 0);
        long logLength = jsb.maxLen() - jsb.first();
        long sequence = jsb.sequence();
        long pos = jsb.start();
        JournalTransaction pending = new JournalTransaction(sequence);
        boolean crc32 = !checksums && (jsb.compat() & JournalSuperblock.COMPAT_CHECKSUM) != 0;
        int crc32Sum = ~0;
        // As the kernel's scan: a descriptor or revoke block failing its checksum may be stale
        // (a lazily initialised journal) or damaged; the transaction's commit time tells.
        boolean checkCommitTime = false;
        long lastCommitSec = Long.MIN_VALUE;
        // A log is never longer than the journal: that bounds the scan whatever the blocks say.
        for (long visited = 0; visited < logLength; visited++) {
            ByteBuffer b = readLog(pos);
            pos = next(pos);
            JournalHeader h = JournalHeader.decode(b);
            if (h == null || h.sequence() != sequence) {
                break;
            }
            if (h.blockType() == JournalHeader.DESCRIPTOR) {
                boolean bad = checksums && !JournalHeader.checksumMatches(b, blockSize - JournalHeader.TAIL_SIZE, seed);
                checkCommitTime |= bad;
                if (crc32) {
                    crc32Sum = Crc32Be.update(crc32Sum, b.array(), 0, blockSize);
                }
                int tagSize = JournalBlockTag.size(jsb);
                for (int off = JournalHeader.SIZE; off + tagSize <= usable; ) {
                    JournalBlockTag tag = JournalBlockTag.decode(b, off, jsb);
                    if (!bad) {
                        pending.log(tag, pos);
                    }
                    if (crc32) {
                        crc32Sum = Crc32Be.update(crc32Sum, readLog(pos).array(), 0, blockSize);
                    }
                    pos = next(pos);
                    visited++;
                    off += tagSize + (tag.has(JournalBlockTag.FLAG_SAME_UUID) ? 0 : JournalBlockTag.UUID_SIZE);
                    if (tag.has(JournalBlockTag.FLAG_LAST_TAG)) {
                        break;
                    }
                }
            } else if (h.blockType() == JournalHeader.REVOKE) {
                checkCommitTime |= checksums && !JournalHeader.checksumMatches(b, blockSize - JournalHeader.TAIL_SIZE, seed);
                readRevokes(b, usable, pending);
            } else if (h.blockType() == JournalHeader.COMMIT) {
                long commitSec = b.duplicate().order(ByteOrder.BIG_ENDIAN).getLong(COMMIT_SEC_OFFSET);
                if (checkCommitTime) {
                    // Older than the last good commit: stale blocks of an earlier use of the
                    // journal, where the log ends. Otherwise this transaction is damaged.
                    if (commitSec < lastCommitSec) {
                        break;
                    }
                    throw new InvalidDataException("journal transaction " + sequence + ": a descriptor or revoke block fails its checksum: "
                            + RECOVER_ELSEWHERE);
                }
                // A commit that fails its checksum ends the replay before its transaction, as
                // the kernel's does (which then reports the transaction as corrupt).
                if ((checksums && !JournalHeader.checksumMatches(b, COMMIT_CHECKSUM_OFFSET, seed))
                        || (crc32 && !crc32Matches(b, crc32Sum))) {
                    break;
                }
                lastCommitSec = commitSec;
                crc32Sum = ~0;
                if (pending.hasBadRevokeBlock()) {
                    throw new InvalidDataException("journal transaction " + sequence + ": bad revoke block: " + RECOVER_ELSEWHERE);
                }
                committed.add(pending);
                sequence = (sequence + 1) & 0xFFFFFFFFL;
                pending = new JournalTransaction(sequence);
            } else {
                break;
            }
        }
        return committed;
    }

    /** The commit's CRC-32 is the transaction's, or the commit carries none at all. */
    private static boolean crc32Matches(ByteBuffer commit, int sum) {
        ByteBuffer be = commit.duplicate().order(ByteOrder.BIG_ENDIAN);
        int type = be.get(COMMIT_CHECKSUM_TYPE_OFFSET) & 0xFF;
        int size = be.get(COMMIT_CHECKSUM_SIZE_OFFSET) & 0xFF;
        int stored = be.getInt(COMMIT_CHECKSUM_OFFSET);
        return (type == CRC32_TYPE && size == CRC32_SIZE && stored == sum) || (type == 0 && size == 0 && stored == 0);
    }

    private void readRevokes(ByteBuffer b, int usable, JournalTransaction t) {
        ByteBuffer be = b.duplicate().order(ByteOrder.BIG_ENDIAN);
        int count = be.getInt(REVOKE_COUNT_OFFSET);
        // The kernel refuses only a count past the block; a smaller one holds no records.
        if (count < 0 || count > usable) {
            t.markBadRevokeBlock();
            return;
        }
        boolean wide = jsb.has(JournalSuperblock.INCOMPAT_64BIT);
        int record = wide ? REVOKE_RECORD_64 : REVOKE_RECORD_32;
        for (int off = REVOKE_RECORDS_OFFSET; off + record <= count; off += record) {
            t.revoke(wide ? be.getLong(off) : be.getInt(off) & 0xFFFFFFFFL);
        }
    }

    private Map<Long, ReplayedStorage.Redirect> replay(List<JournalTransaction> committed) throws IOException {
        // A revoke in transaction R cancels the block's copies logged in R and before it.
        Map<Long, Long> revokedUpTo = new HashMap<>();
        for (JournalTransaction t : committed) {
            for (long block : t.revoked()) {
                revokedUpTo.merge(block, t.sequence(), (old, now) -> JournalHeader.after(now, old) ? now : old);
            }
        }
        Map<Long, ReplayedStorage.Redirect> overlay = new HashMap<>();
        for (JournalTransaction t : committed) {
            for (JournalTransaction.Logged l : t.logged()) {
                long target = l.tag().block();
                Long revoked = revokedUpTo.get(target);
                if (revoked != null && !JournalHeader.after(t.sequence(), revoked)) {
                    continue;
                }
                if (Long.compareUnsigned(target, fsBlocks) >= 0) {
                    throw new InvalidDataException("journal transaction " + t.sequence() + " logs block " + target
                            + ", outside the filesystem");
                }
                long physical = physical(l.logBlock());
                if (jsb.hasChecksums() && !l.tag().checksumMatches(jsb, t.sequence(), readPhysical(physical))) {
                    throw new InvalidDataException("journal transaction " + t.sequence() + ": the logged copy of block " + target
                            + " fails its checksum: " + RECOVER_ELSEWHERE);
                }
                overlay.put(target, new ReplayedStorage.Redirect(physical, l.tag().has(JournalBlockTag.FLAG_ESCAPE)));
            }
        }
        return overlay;
    }

    private long next(long logBlock) {
        long n = logBlock + 1;
        return n >= jsb.maxLen() ? jsb.first() : n;
    }

    /** The filesystem block holding journal block {@code logical}. */
    private long physical(long logical) throws InvalidDataException {
        BlockRun r = BlockRun.find(runs, logical);
        if (r == null || r.unwritten()) {
            throw new InvalidDataException("journal block " + logical + " is not mapped by the journal inode");
        }
        return r.physical() + logical - r.logical();
    }

    private ByteBuffer readLog(long logical) throws IOException {
        return readPhysical(physical(logical));
    }

    private ByteBuffer readPhysical(long block) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(blockSize);
        image.read(block * blockSize, b);
        return b.clear();
    }
}
