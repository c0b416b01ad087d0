package walt.vpn.disk;

/** Bytes of an image that hold data: a block map's range in bytes, the last one cut at the image's end. */
public record MappedRange(long offset, long length) {

    public long end() {
        return offset + length;
    }
}
