package walt.vpn.tree;

import java.util.Objects;

public record RegularFile(Metadata metadata, Content content) implements Node {

    public RegularFile {
        Objects.requireNonNull(metadata);
        Objects.requireNonNull(content);
    }

    @Override
    public FileType type() {
        return FileType.REGULAR;
    }

    @Override
    public RegularFile withMetadata(Metadata m) {
        return new RegularFile(m, content);
    }

    // Identity semantics: two equal-looking files are still two inodes.
    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }
}
