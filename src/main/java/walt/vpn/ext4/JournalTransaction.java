package walt.vpn.ext4;

import java.util.ArrayList;
import java.util.List;

/**
 * One transaction found in the log: the filesystem blocks it logged (each with the log block
 * holding the new copy) and the blocks it revoked. Only a transaction whose commit block was
 * found is ever replayed.
 */
final class JournalTransaction {

    /** A logged block: the descriptor's tag for it and where in the journal its copy is. */
    record Logged(JournalBlockTag tag, long logBlock) {
    }

    private final long sequence;
    private final List<Logged> logged = new ArrayList<>();
    private final List<Long> revoked = new ArrayList<>();
    private boolean badRevokeBlock;

    JournalTransaction(long sequence) {
        this.sequence = sequence;
    }

    long sequence() {
        return sequence;
    }

    void log(JournalBlockTag tag, long logBlock) {
        logged.add(new Logged(tag, logBlock));
    }

    void revoke(long block) {
        revoked.add(block);
    }

    /** A revoke block of this transaction failed its checksum or is malformed. */
    void markBadRevokeBlock() {
        badRevokeBlock = true;
    }

    boolean hasBadRevokeBlock() {
        return badRevokeBlock;
    }

    List<Logged> logged() {
        return List.copyOf(logged);
    }

    List<Long> revoked() {
        return List.copyOf(revoked);
    }
}
