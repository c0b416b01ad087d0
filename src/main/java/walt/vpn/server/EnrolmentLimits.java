package walt.vpn.server;

import java.time.Duration;

/**
 * Caps on pending requests: an authenticated idle ssh connection costs the attacker nothing,
 * so the application bounds what it keeps waiting, overall, per source address and per key.
 */
public record EnrolmentLimits(int global, int perSource, int perKey, Duration expiry) {

    public static final EnrolmentLimits DEFAULT = new EnrolmentLimits(32, 4, 1, Duration.ofMinutes(10));

    public EnrolmentLimits {
        if (global < 1 || perSource < 1 || perKey < 1 || expiry.isNegative() || expiry.isZero()) {
            throw new IllegalArgumentException("enrolment limits must be positive");
        }
    }
}
