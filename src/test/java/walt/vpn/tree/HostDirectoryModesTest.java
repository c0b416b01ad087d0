package walt.vpn.tree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A folder read as a checkout: the modes git keeps, not those the checkout's umask left. */
class HostDirectoryModesTest {

    @TempDir
    Path dir;

    private void mode(Path p, String perms) throws Exception {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
    }

    @Test
    void aCheckoutKeepsOnlyTheExecutableBitAndNoXattrs() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("overlay/etc/private"));
        Files.writeString(tree.resolve("group-writable"), "a\n");
        mode(tree.resolve("group-writable"), "rw-rw-r--");
        Files.writeString(tree.resolve("secret"), "b\n");
        mode(tree.resolve("secret"), "rw-------");
        Files.writeString(tree.resolve("tool"), "#!/bin/sh\n");
        mode(tree.resolve("tool"), "rwx------");
        Files.createSymbolicLink(tree.resolve("link"), Path.of("tool"));
        mode(tree, "rwxrwx---");
        Files.getFileAttributeView(tree.resolve("tool"), java.nio.file.attribute.UserDefinedFileAttributeView.class)
                .write("xdg.origin.url", java.nio.ByteBuffer.wrap("https://example.org/".getBytes()));

        FileTree asIs = new HostDirectoryReader(dir.resolve("overlay")).read();
        assertEquals(0664, asIs.lookup("/etc/private/group-writable").metadata().permissions());
        assertEquals(0770, asIs.lookup("/etc/private").metadata().permissions());
        assertEquals("https://example.org/", new String(asIs.lookup("/etc/private/tool").metadata().xattrs().get("user.xdg.origin.url")));

        FileTree checkout = new HostDirectoryReader(dir.resolve("overlay")).asCheckout(true).read();
        assertEquals(0644, checkout.lookup("/etc/private/group-writable").metadata().permissions());
        assertEquals(0644, checkout.lookup("/etc/private/secret").metadata().permissions());
        assertEquals(0755, checkout.lookup("/etc/private/tool").metadata().permissions());
        assertEquals(0755, checkout.lookup("/etc/private").metadata().permissions());
        assertEquals(asIs.lookup("/etc/private/link").metadata().permissions(),
                checkout.lookup("/etc/private/link").metadata().permissions());
        assertEquals(0, checkout.lookup("/etc/private/tool").metadata().uid());
        assertTrue(checkout.lookup("/etc/private/tool").metadata().xattrs().isEmpty());
    }
}
