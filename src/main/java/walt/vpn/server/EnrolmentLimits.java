package walt.vpn.server;

import java.time.Duration;

/**
 * Bounds on what the enrolment desk keeps: an authenticated idle ssh connection costs the
 * attacker (anyone: the bootstrap key is public) next to nothing, so the daemon bounds the
 * requests it shows, overall and per source address, and how long one waits.
 */
public record EnrolmentLimits(int global, int perSource, Duration expiry) {

    public static final EnrolmentLimits DEFAULT = new EnrolmentLimits(32, 4, Duration.ofMinutes(10));

    public EnrolmentLimits {
        if (global < 1 || perSource < 1 || perSource > global || expiry.isNegative() || expiry.isZero()) {
            throw new IllegalArgumentException("enrolment limits must be positive, the share of a source at most the whole");
        }
    }
}
