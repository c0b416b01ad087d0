package walt.vpn.tree;

import java.util.Collections;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A directory: metadata and named children. Unlike the other nodes it is filled in after
 * creation, since readers discover children one by one; children are kept sorted by name so
 * every writer walks them in the same order.
 */
public final class Directory implements Node {

    private Metadata metadata;
    private final TreeMap<String, Node> children = new TreeMap<>();

    public Directory(Metadata metadata) {
        this.metadata = Objects.requireNonNull(metadata);
    }

    @Override
    public FileType type() {
        return FileType.DIRECTORY;
    }

    @Override
    public Metadata metadata() {
        return metadata;
    }

    public void setMetadata(Metadata metadata) {
        this.metadata = Objects.requireNonNull(metadata);
    }

    /** A new, empty directory with these metadata: children are not carried over. */
    @Override
    public Directory withMetadata(Metadata m) {
        return new Directory(m);
    }

    public NavigableMap<String, Node> children() {
        return Collections.unmodifiableNavigableMap(children);
    }

    public Node child(String name) {
        return children.get(name);
    }

    /** Adds or replaces a child. */
    public void put(String name, Node node) {
        FileName.check(name);
        children.put(name, Objects.requireNonNull(node));
    }

    public Node remove(String name) {
        return children.remove(name);
    }
}
