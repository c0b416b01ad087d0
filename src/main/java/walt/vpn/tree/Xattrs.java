package walt.vpn.tree;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Extended attributes of one file, by full name ({@code user.x}, {@code security.capability},
 * {@code system.posix_acl_access}, ...). Values are raw bytes as the kernel stores them;
 * POSIX ACLs are kept in the kernel's {@code system.posix_acl_*} xattr encoding.
 */
public final class Xattrs {

    public static final Xattrs NONE = new Xattrs(new TreeMap<>());

    private final TreeMap<String, byte[]> values;

    private Xattrs(TreeMap<String, byte[]> values) {
        this.values = values;
    }

    public static Xattrs of(Map<String, byte[]> values) {
        if (values.isEmpty()) {
            return NONE;
        }
        TreeMap<String, byte[]> copy = new TreeMap<>();
        values.forEach((k, v) -> copy.put(Objects.requireNonNull(k), v.clone()));
        return new Xattrs(copy);
    }

    public Xattrs with(String name, byte[] value) {
        TreeMap<String, byte[]> copy = new TreeMap<>(values);
        copy.put(name, value.clone());
        return new Xattrs(copy);
    }

    public boolean isEmpty() {
        return values.isEmpty();
    }

    public byte[] get(String name) {
        byte[] v = values.get(name);
        return v == null ? null : v.clone();
    }

    /** Names in sorted order, so writers that iterate them are deterministic. */
    public java.util.Set<String> names() {
        return Collections.unmodifiableSet(values.keySet());
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Xattrs other) || other.values.size() != values.size()) {
            return false;
        }
        for (Map.Entry<String, byte[]> e : values.entrySet()) {
            if (!Arrays.equals(e.getValue(), other.values.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = 0;
        for (Map.Entry<String, byte[]> e : values.entrySet()) {
            h += e.getKey().hashCode() ^ Arrays.hashCode(e.getValue());
        }
        return h;
    }

    @Override
    public String toString() {
        return values.keySet().toString();
    }
}
