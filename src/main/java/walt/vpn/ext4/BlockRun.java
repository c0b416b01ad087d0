package walt.vpn.ext4;

import java.util.List;

/** File blocks [logical, logical+length) stored at physical; a null-physical run (unwritten) reads as zeros. */
record BlockRun(long logical, long length, long physical, boolean unwritten) {

    /** The run of {@code runs} (sorted by logical block, not overlapping) holding {@code logical}, or null. */
    static BlockRun find(List<BlockRun> runs, long logical) {
        int lo = 0;
        int hi = runs.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            BlockRun r = runs.get(mid);
            if (logical < r.logical()) {
                hi = mid - 1;
            } else if (logical >= r.logical() + r.length()) {
                lo = mid + 1;
            } else {
                return r;
            }
        }
        return null;
    }
}
