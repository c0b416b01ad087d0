package walt.vpn.tree;

import java.util.Objects;

/** A symbolic link; the target is kept as the raw string the link holds. */
public record Symlink(Metadata metadata, String target) implements Node {

    public Symlink {
        Objects.requireNonNull(metadata);
        if (target == null || target.isEmpty()) {
            throw new IllegalArgumentException("empty symlink target");
        }
    }

    @Override
    public FileType type() {
        return FileType.SYMLINK;
    }

    @Override
    public Symlink withMetadata(Metadata m) {
        return new Symlink(m, target);
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
