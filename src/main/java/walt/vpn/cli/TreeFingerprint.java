package walt.vpn.cli;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import walt.vpn.tree.Directory;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.Node;
import walt.vpn.tree.RegularFile;

/**
 * Default seeds and times derived from the input, so that outputs are reproducible without
 * options yet differ between different inputs (two images never share a UUID by accident).
 */
final class TreeFingerprint {

    private TreeFingerprint() {
    }

    /** A hash of every name, type, mode, owner, size and mtime of the tree, with its shape. */
    static long of(FileTree tree) {
        MessageDigest md = sha256();
        // Fixed-width binary fields: formatting text for each of 50,000 files cost more than the
        // hash. Names with the depth they sit at say the same as full paths, in fewer bytes.
        ByteBuffer fields = ByteBuffer.allocate(5 * 4 + 3 * 8);
        hash(tree.root(), 0, md, fields);
        return first8(md.digest());
    }

    private static void hash(Node node, int depth, MessageDigest md, ByteBuffer fields) {
        var m = node.metadata();
        fields.clear()
                .putInt(depth)
                .putInt(node.type().ordinal())
                .putInt(m.permissions())
                .putInt(m.uid())
                .putInt(m.gid())
                .putLong(node instanceof RegularFile f ? f.content().size() : 0)
                .putLong(m.mtime().seconds())
                .putLong(m.mtime().nanos());
        md.update(fields.array());
        if (node instanceof Directory d) {
            for (Map.Entry<String, Node> c : d.children().entrySet()) {
                byte[] name = c.getKey().getBytes(StandardCharsets.UTF_8);
                md.update((byte) (name.length >>> 8));
                md.update((byte) name.length);
                md.update(name);
                hash(c.getValue(), depth + 1, md, fields);
            }
        }
    }

    static long ofText(String seed) {
        return first8(sha256().digest(seed.getBytes(StandardCharsets.UTF_8)));
    }

    private static long first8(byte[] d) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (d[i] & 0xFF);
        }
        return v;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
