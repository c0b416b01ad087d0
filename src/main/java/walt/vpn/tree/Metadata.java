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

    /**
     * Times that depend on the content's history only: mtime no later than {@code limit}, and
     * atime and ctime equal to it. A host's atime moves whenever something reads the file
     * (relatime), and its ctime whenever a checkout or a copy touches the inode, so keeping
     * either would make two builds of one tree differ.
     */
    public Metadata reproducibleTimes(Timestamp limit) {
        Timestamp m = mtime.clampTo(limit);
        return withTimes(m, m, m);
    }
}
