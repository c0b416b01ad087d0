package walt.vpn.disk;

/**
 * Bytes of an image that hold data, with the SHA-256 they must have: a block map's range in
 * bytes, the last one cut at the image's end.
 */
public record MappedRange(long offset, long length, String sha256) {

    public long end() {
        return offset + length;
    }
}
