package walt.vpn.tree;

/** A run of bytes of a file that holds data; what lies outside every range is a hole. */
public record DataRange(long offset, long length) {

    public DataRange {
        if (offset < 0 || length <= 0) {
            throw new IllegalArgumentException("bad range " + offset + "+" + length);
        }
    }

    public long end() {
        return offset + length;
    }
}
