package walt.vpn.tree;

import java.util.Objects;

/** A character or block device special file. */
public record DeviceNode(FileType type, Metadata metadata, int major, int minor) implements Node {

    public DeviceNode {
        if (type != FileType.CHAR_DEVICE && type != FileType.BLOCK_DEVICE) {
            throw new IllegalArgumentException("not a device type: " + type);
        }
        Objects.requireNonNull(metadata);
        if (major < 0 || major > 0xFFF || minor < 0 || minor > 0xFFFFF) {
            throw new IllegalArgumentException("device number out of range: " + major + ":" + minor);
        }
    }

    @Override
    public DeviceNode withMetadata(Metadata m) {
        return new DeviceNode(type, m, major, minor);
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }
}
