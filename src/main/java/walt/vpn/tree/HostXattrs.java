package walt.vpn.tree;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every extended attribute of a host file, in every namespace the caller may read:
 * {@code user.*}, {@code security.*} (file capabilities, SELinux labels), {@code trusted.*}
 * (root only) and POSIX ACLs ({@code system.posix_acl_*}), as {@code mke2fs -d} keeps them.
 *
 * <p>Java's {@link UserDefinedFileAttributeView} shows the {@code user.} namespace only. The
 * JDK's own native calls behind it ({@code flistxattr}, {@code fgetxattr} on an open file,
 * in {@code sun.nio.fs.UnixNativeDispatcher}) see them all; with {@code java.base/sun.nio.fs}
 * opened and {@code sun.nio.ch} exported to us (the jar's manifest does both), they are called
 * directly. Without that only {@code user.*} can be read, and {@link #allNamespaces()} says so.
 *
 * <p>The calls take an open file: regular files and directories are opened read-only, FIFOs
 * without waiting for a writer. Devices are not opened (opening one can wake the hardware),
 * nor can symlinks and sockets be; their attributes are not read.
 */
final class HostXattrs {

    /** The kernel's bounds for a name list and a value (XATTR_LIST_MAX, XATTR_SIZE_MAX). */
    private static final int MAX_BYTES = 64 * 1024;
    /** Not in the JDK's UnixConstants; the same on every Linux architecture we run on. */
    private static final int O_NONBLOCK = 04000;
    private static final int ENOTSUP = 95;

    private static final ThreadLocal<ByteBuffer> BUFFER = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(MAX_BYTES));
    /** Last: finding it reads a file, with the buffer above. */
    private static final Native NATIVE = Native.openedOrNull();

    private HostXattrs() {
    }

    /** Whether every namespace is read, not {@code user.*} only. */
    static boolean allNamespaces() {
        return NATIVE != null;
    }

    /**
     * The attributes of {@code p}, of type {@code type}; none where the file system has none
     * or the type cannot be opened for them.
     */
    static Xattrs read(Path p, FileType type) throws IOException {
        if (type != FileType.REGULAR && type != FileType.DIRECTORY && type != FileType.FIFO) {
            return Xattrs.NONE;
        }
        if (NATIVE == null) {
            return type == FileType.FIFO ? Xattrs.NONE : userOnly(p);
        }
        return NATIVE.read(p);
    }

    private static Xattrs userOnly(Path p) throws IOException {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        java.util.List<String> names;
        try {
            names = view.list();
        } catch (UnsupportedOperationException e) {
            return Xattrs.NONE;
        } catch (FileSystemException e) {
            if (e.getReason() != null && e.getReason().contains("not supported")) {
                return Xattrs.NONE;
            }
            throw e;
        }
        Map<String, byte[]> values = new TreeMap<>();
        for (String n : names) {
            ByteBuffer b = ByteBuffer.allocate(view.size(n));
            view.read(n, b);
            values.put("user." + n, Arrays.copyOf(b.array(), b.position()));
        }
        return values.isEmpty() ? Xattrs.NONE : Xattrs.of(values);
    }

    /** The JDK's native calls, found by name once. */
    private record Native(Method open, Method close, Method list, Method get, Method address, Method errno,
                          int readOnlyNoFollow, int enodata, int erange, int eacces) {

        static Native openedOrNull() {
            try {
                Class<?> d = Class.forName("sun.nio.fs.UnixNativeDispatcher");
                Class<?> unixPath = Class.forName("sun.nio.fs.UnixPath");
                Class<?> constants = Class.forName("sun.nio.fs.UnixConstants");
                Native n = new Native(method(d, "open", unixPath, int.class, int.class), method(d, "close", int.class),
                        method(d, "flistxattr", int.class, long.class, int.class),
                        method(d, "fgetxattr", int.class, byte[].class, long.class, int.class),
                        Class.forName("sun.nio.ch.DirectBuffer").getMethod("address"),
                        method(Class.forName("sun.nio.fs.UnixException"), "errno"),
                        constant(constants, "O_RDONLY") | constant(constants, "O_NOFOLLOW"),
                        constant(constants, "ENODATA"), constant(constants, "ERANGE"), constant(constants, "EACCES"));
                // Prove the whole path on a file every JDK has, before trusting it with a tree.
                n.read(Path.of(System.getProperty("java.home"), "release"));
                return n;
            } catch (ReflectiveOperationException | RuntimeException | IOException e) {
                // Not opened to us (run without the jar's manifest), or another JDK's layout.
                return null;
            }
        }

        private static Method method(Class<?> c, String name, Class<?>... args) throws NoSuchMethodException {
            Method m = c.getDeclaredMethod(name, args);
            m.setAccessible(true);
            return m;
        }

        private static int constant(Class<?> c, String name) throws ReflectiveOperationException {
            java.lang.reflect.Field f = c.getDeclaredField(name);
            f.setAccessible(true);
            return f.getInt(null);
        }

        Xattrs read(Path p) throws IOException {
            ByteBuffer buf = BUFFER.get();
            long at = (long) call(address, buf);
            // Non-blocking whatever the type: a file swapped for a FIFO since its stat must not hang us.
            int fd = (int) system(p, open, null, p, readOnlyNoFollow | O_NONBLOCK, 0);
            try {
                int listed;
                try {
                    listed = (int) system(p, list, null, fd, at, MAX_BYTES);
                } catch (Failed f) {
                    if (f.errno == ENOTSUP) {
                        return Xattrs.NONE;
                    }
                    throw f.toIOException(p, "cannot list its extended attributes", eacces);
                }
                if (listed == 0) {
                    return Xattrs.NONE;
                }
                byte[] names = new byte[listed];
                buf.get(0, names);
                Map<String, byte[]> values = new TreeMap<>();
                int start = 0;
                for (int i = 0; i < listed; i++) {
                    if (names[i] != 0) {
                        continue;
                    }
                    byte[] name = Arrays.copyOfRange(names, start, i);
                    start = i + 1;
                    byte[] value = value(p, fd, name, buf, at);
                    if (value != null) {
                        values.put(new String(name, StandardCharsets.UTF_8), value);
                    }
                }
                return values.isEmpty() ? Xattrs.NONE : Xattrs.of(values);
            } finally {
                try {
                    close.invoke(null, fd);
                } catch (ReflectiveOperationException e) {
                    // Read-only and already read: nothing a failed close could have lost.
                }
            }
        }

        /** The value of one listed attribute, or null if it went away since it was listed. */
        private byte[] value(Path p, int fd, byte[] name, ByteBuffer buf, long at) throws IOException {
            try {
                int size = (int) system(p, get, null, fd, name, at, MAX_BYTES);
                byte[] v = new byte[size];
                buf.get(0, v);
                return v;
            } catch (Failed f) {
                if (f.errno == enodata) {
                    return null;
                }
                throw f.toIOException(p, "cannot read its extended attribute " + new String(name, StandardCharsets.UTF_8)
                        + (f.errno == erange ? " (larger than 64 KiB)" : ""), eacces);
            }
        }

        /** A native call whose failure is the system's: an errno, for the caller to judge. */
        private Object system(Path p, Method m, Object target, Object... args) throws IOException {
            try {
                return m.invoke(target, args);
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause();
                if (cause != null && cause.getClass().getName().equals("sun.nio.fs.UnixException")) {
                    Failed f = new Failed((int) call(errno, cause), cause.getMessage());
                    if (m == open) {
                        throw f.toIOException(p, "cannot open it to read its extended attributes", eacces);
                    }
                    throw f;
                }
                throw new IOException(p + ": reading extended attributes failed: " + cause, cause);
            } catch (IllegalAccessException e) {
                throw new IOException("cannot call the JDK's xattr functions", e);
            }
        }

        private static Object call(Method m, Object target, Object... args) {
            try {
                return m.invoke(target, args);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("the JDK's " + m.getName() + " failed", e);
            }
        }
    }

    /** An errno from a native call, before it is judged. */
    private static final class Failed extends IOException {
        final int errno;

        Failed(int errno, String message) {
            super(message);
            this.errno = errno;
        }

        IOException toIOException(Path p, String what, int eacces) {
            String reason = what + ": " + getMessage();
            return errno == eacces ? new AccessDeniedException(p.toString(), null, reason)
                    : new FileSystemException(p.toString(), null, reason);
        }
    }
}
