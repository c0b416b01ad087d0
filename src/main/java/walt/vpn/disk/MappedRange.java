package walt.vpn.disk;

/** Bytes of an image that hold data: a block map's range in bytes, the last one cut at the image's end. */
public record MappedRange(long offset, long length) {

    public MappedRange {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("a range starts and ends at or after 0: " + offset + "+" + length);
        }
    }

    public long end() {
        return offset + length;
    }

    /** The same bytes as {@code ranges}, in offset order, overlapping or touching ones merged. */
    public static java.util.List<MappedRange> union(java.util.List<MappedRange> ranges) {
        java.util.List<MappedRange> sorted = new java.util.ArrayList<>(ranges);
        sorted.sort(java.util.Comparator.comparingLong(MappedRange::offset));
        java.util.List<MappedRange> merged = new java.util.ArrayList<>();
        for (MappedRange r : sorted) {
            if (r.length == 0) {
                continue;
            }
            MappedRange last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && r.offset <= last.end()) {
                merged.set(merged.size() - 1, new MappedRange(last.offset, Math.max(last.end(), r.end()) - last.offset));
            } else {
                merged.add(r);
            }
        }
        return java.util.List.copyOf(merged);
    }

    /** {@code ranges} (in offset order) without the bytes of {@code cut}. */
    public static java.util.List<MappedRange> without(java.util.List<MappedRange> ranges, MappedRange cut) {
        java.util.List<MappedRange> kept = new java.util.ArrayList<>();
        for (MappedRange r : ranges) {
            if (r.offset < cut.offset) {
                kept.add(new MappedRange(r.offset, Math.min(r.end(), cut.offset) - r.offset));
            }
            if (r.end() > cut.end()) {
                long from = Math.max(r.offset, cut.end());
                kept.add(new MappedRange(from, r.end() - from));
            }
        }
        return java.util.List.copyOf(kept);
    }

    /** The bytes of {@code ranges} (in offset order) inside {@code window}. */
    public static java.util.List<MappedRange> within(java.util.List<MappedRange> ranges, MappedRange window) {
        java.util.List<MappedRange> kept = new java.util.ArrayList<>();
        for (MappedRange r : ranges) {
            long from = Math.max(r.offset, window.offset);
            long to = Math.min(r.end(), window.end());
            if (from < to) {
                kept.add(new MappedRange(from, to - from));
            }
        }
        return java.util.List.copyOf(kept);
    }

    /** How many bytes {@code ranges} hold in all. */
    public static long totalLength(java.util.List<MappedRange> ranges) {
        return ranges.stream().mapToLong(MappedRange::length).sum();
    }
}
