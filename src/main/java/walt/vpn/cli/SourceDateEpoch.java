package walt.vpn.cli;

import walt.vpn.tree.Timestamp;

/** The reproducible-builds.org convention: a fixed "now" for build outputs. */
final class SourceDateEpoch {

    private SourceDateEpoch() {
    }

    /** The value of SOURCE_DATE_EPOCH, or null when unset. */
    static Timestamp fromEnvironment() {
        String v = System.getenv("SOURCE_DATE_EPOCH");
        if (v == null || v.isBlank()) {
            return null;
        }
        try {
            long s = Long.parseLong(v.trim());
            if (s < 0) {
                throw new NumberFormatException();
            }
            return Timestamp.ofSeconds(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("SOURCE_DATE_EPOCH must be a non-negative number of seconds: '" + v + "'");
        }
    }
}
