package walt.vpn.tree;

import java.nio.charset.StandardCharsets;

/** The rules every directory entry name obeys, whatever the filesystem. */
public final class FileName {

    /** ext4 and most POSIX filesystems: 255 bytes. */
    public static final int MAX_BYTES = 255;

    private FileName() {
    }

    public static void check(String name) {
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("invalid file name: '" + name + "'");
        }
        if (name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("file name contains '/' or NUL: " + name);
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            throw new IllegalArgumentException("file name longer than " + MAX_BYTES + " bytes: " + name);
        }
    }
}
