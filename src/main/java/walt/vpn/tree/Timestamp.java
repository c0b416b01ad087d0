package walt.vpn.tree;

import java.time.Instant;

/** A file time with nanosecond precision, as ext4 and tar PAX headers keep it. */
public record Timestamp(long seconds, int nanos) implements Comparable<Timestamp> {

    public static final Timestamp EPOCH = new Timestamp(0, 0);

    public Timestamp {
        if (nanos < 0 || nanos > 999_999_999) {
            throw new IllegalArgumentException("nanoseconds out of range: " + nanos);
        }
    }

    public static Timestamp ofSeconds(long seconds) {
        return new Timestamp(seconds, 0);
    }

    public static Timestamp of(Instant instant) {
        return new Timestamp(instant.getEpochSecond(), instant.getNano());
    }

    public Instant toInstant() {
        return Instant.ofEpochSecond(seconds, nanos);
    }

    /** This time, or {@code limit} when this one is later: how SOURCE_DATE_EPOCH is applied. */
    public Timestamp clampTo(Timestamp limit) {
        return compareTo(limit) > 0 ? limit : this;
    }

    @Override
    public int compareTo(Timestamp o) {
        int c = Long.compare(seconds, o.seconds);
        return c != 0 ? c : Integer.compare(nanos, o.nanos);
    }

    @Override
    public String toString() {
        return nanos == 0 ? Long.toString(seconds) : seconds + "." + String.format("%09d", nanos);
    }
}
