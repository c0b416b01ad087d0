package walt.vpn.tree;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.Map;

/**
 * What {@code lstat} says of one host path: every field a {@link FileTree} node takes from it.
 *
 * <p>Java's public API gives the full mode, inode, link count, device number and ctime only by
 * attribute names ({@code "unix:mode,ino,..."}), a string parsed into sets and maps for each
 * file: on a 50,000-file tree that was half of the scan's own CPU time, more than the system
 * calls. The JDK's object for {@link PosixFileAttributes} holds them all, in private fields that
 * have kept their names since Java 7; when the launcher opens {@code java.base/sun.nio.fs} to us
 * ({@code Add-Opens} in the jar's manifest), they are read from it directly. Without that, the
 * named attributes are asked for, with the same result except for times before 1677 or after
 * 2262, which the JDK then rounds to microseconds (its nanosecond count would overflow a long).
 */
public record HostStat(int mode, long ino, long dev, long rdev, int nlink, int uid, int gid, long size,
                       Timestamp mtime, Timestamp atime, Timestamp ctime) {

    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};
    // Named fields, not "unix:*": the wildcard also resolves owner and group names, two user
    // database lookups per file that cost more than the stat itself.
    private static final String NAMED = "unix:mode,ino,dev,rdev,nlink,uid,gid,size,lastModifiedTime,lastAccessTime,ctime";
    private static final JdkFields FIELDS = JdkFields.openedOrNull();

    /** The entry itself, a symlink not followed. */
    public static HostStat of(Path p) throws IOException {
        return FIELDS != null ? FIELDS.read(Files.readAttributes(p, PosixFileAttributes.class, NOFOLLOW)) : byAttributeNames(p);
    }

    /** Whether {@link #of} reads the JDK's fields rather than asking by attribute names. */
    static boolean readsJdkFields() {
        return FIELDS != null;
    }

    static HostStat byAttributeNames(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, NAMED, NOFOLLOW);
        return new HostStat((Integer) a.get("mode"), (Long) a.get("ino"), (Long) a.get("dev"), (Long) a.get("rdev"),
                (Integer) a.get("nlink"), (Integer) a.get("uid"), (Integer) a.get("gid"), (Long) a.get("size"),
                Timestamp.of(((FileTime) a.get("lastModifiedTime")).toInstant()),
                Timestamp.of(((FileTime) a.get("lastAccessTime")).toInstant()),
                Timestamp.of(((FileTime) a.get("ctime")).toInstant()));
    }

    /** The device's major number, as glibc's {@code major()} encodes it. */
    public int rdevMajor() {
        return (int) (((rdev >>> 8) & 0xFFF) | ((rdev >>> 32) & ~0xFFFL));
    }

    /** The device's minor number, as glibc's {@code minor()} encodes it. */
    public int rdevMinor() {
        return (int) ((rdev & 0xFF) | ((rdev >>> 12) & ~0xFFL));
    }

    /** The private fields of the JDK's {@code sun.nio.fs.UnixFileAttributes}. */
    private record JdkFields(Class<?> type, Field mode, Field ino, Field dev, Field rdev, Field nlink, Field uid, Field gid,
                             Field size, Field mtimeSec, Field mtimeNsec, Field atimeSec, Field atimeNsec,
                             Field ctimeSec, Field ctimeNsec) {

        static JdkFields openedOrNull() {
            try {
                Class<?> c = Class.forName("sun.nio.fs.UnixFileAttributes");
                JdkFields f = new JdkFields(c, field(c, "st_mode"), field(c, "st_ino"), field(c, "st_dev"), field(c, "st_rdev"),
                        field(c, "st_nlink"), field(c, "st_uid"), field(c, "st_gid"), field(c, "st_size"),
                        field(c, "st_mtime_sec"), field(c, "st_mtime_nsec"), field(c, "st_atime_sec"), field(c, "st_atime_nsec"),
                        field(c, "st_ctime_sec"), field(c, "st_ctime_nsec"));
                // Another JDK might keep other things under the same names: check on a real file
                // (all but its access time, which someone reading it may change in between).
                Path probe = Path.of(System.getProperty("java.home"));
                HostStat named = byAttributeNames(probe);
                HostStat direct = f.read(Files.readAttributes(probe, PosixFileAttributes.class, NOFOLLOW));
                return new HostStat(direct.mode, direct.ino, direct.dev, direct.rdev, direct.nlink, direct.uid, direct.gid,
                        direct.size, direct.mtime, named.atime, direct.ctime).equals(named) ? f : null;
            } catch (ReflectiveOperationException | RuntimeException | IOException e) {
                // Not opened to us (run without the launcher's manifest), or not this JDK's layout.
                return null;
            }
        }

        private static Field field(Class<?> c, String name) throws NoSuchFieldException {
            Field f = c.getDeclaredField(name);
            f.setAccessible(true);
            return f;
        }

        HostStat read(PosixFileAttributes a) throws IOException {
            if (!type.isInstance(a)) {
                throw new IOException("unexpected attributes from the JDK: " + a.getClass().getName());
            }
            try {
                return new HostStat(mode.getInt(a), ino.getLong(a), dev.getLong(a), rdev.getLong(a), nlink.getInt(a),
                        uid.getInt(a), gid.getInt(a), size.getLong(a),
                        time(a, mtimeSec, mtimeNsec), time(a, atimeSec, atimeNsec), time(a, ctimeSec, ctimeNsec));
            } catch (IllegalAccessException e) {
                throw new IOException("cannot read the JDK's file attributes", e);
            }
        }

        private static Timestamp time(Object a, Field sec, Field nsec) throws IllegalAccessException {
            return new Timestamp(sec.getLong(a), (int) nsec.getLong(a));
        }
    }
}
