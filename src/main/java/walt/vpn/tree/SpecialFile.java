package walt.vpn.tree;

import java.util.Objects;

/** A FIFO or a socket: a type and metadata, nothing else. */
public record SpecialFile(FileType type, Metadata metadata) implements Node {

    public SpecialFile {
        if (type != FileType.FIFO && type != FileType.SOCKET) {
            throw new IllegalArgumentException("not a fifo or socket: " + type);
        }
        Objects.requireNonNull(metadata);
    }

    @Override
    public SpecialFile withMetadata(Metadata m) {
        return new SpecialFile(type, m);
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
