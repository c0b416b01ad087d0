package walt.vpn.tree;

import java.util.Objects;

/**
 * What an inode says about a file besides its type and content.
 *
 * @param permissions the low 12 mode bits (permissions, setuid, setgid, sticky)
 */
public record Metadata(int permissions, int uid, int gid,
                       Timestamp mtime, Timestamp atime, Timestamp ctime, Xattrs xattrs) {

    public Metadata {
        if ((permissions & ~07777) != 0) {
            throw new IllegalArgumentException("permission bits out of range: " + Integer.toOctalString(permissions));
        }
        Objects.requireNonNull(mtime);
        Objects.requireNonNull(atime);
        Objects.requireNonNull(ctime);
        Objects.requireNonNull(xattrs);
    }

    /** Root-owned, all three times equal, no xattrs. */
    public static Metadata of(int permissions, Timestamp time) {
        return new Metadata(permissions, 0, 0, time, time, time, Xattrs.NONE);
    }

    public Metadata withPermissions(int p) {
        return new Metadata(p, uid, gid, mtime, atime, ctime, xattrs);
    }

    public Metadata withOwner(int u, int g) {
        return new Metadata(permissions, u, g, mtime, atime, ctime, xattrs);
    }

    public Metadata withTimes(Timestamp m, Timestamp a, Timestamp c) {
        return new Metadata(permissions, uid, gid, m, a, c, xattrs);
    }

    public Metadata withXattrs(Xattrs x) {
        return new Metadata(permissions, uid, gid, mtime, atime, ctime, x);
    }

    public Metadata clampTimesTo(Timestamp limit) {
        return withTimes(mtime.clampTo(limit), atime.clampTo(limit), ctime.clampTo(limit));
    }
}
