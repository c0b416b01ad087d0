package walt.vpn.tree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.testing.Tools;

class TreeOverridesTest {

    @TempDir
    Path dir;

    private Path hostTree() throws Exception {
        Path src = Files.createDirectory(dir.resolve("src"));
        Files.createDirectories(src.resolve("usr/bin"));
        Files.createDirectories(src.resolve("home/pi/.ssh"));
        Files.writeString(src.resolve("usr/bin/ping"), "elf");
        Files.writeString(src.resolve("home/pi/.ssh/authorized_keys"), "key");
        Files.writeString(src.resolve("with space"), "s");
        Files.createLink(src.resolve("usr/bin/ping2"), src.resolve("usr/bin/ping"));
        return src;
    }

    @Test
    void rulesApplyInOrderAndFollowHardLinks() throws Exception {
        Path src = hostTree();
        TreeOverrides rules = TreeOverrides.parse("ovr", """
                # capabilities and owners
                /usr/bin/ping xattr.security.capability=0x0100000200200000000000000000000000000000 mode=4755
                /home/pi   uid=1000 gid=1000 mode=0750
                /home/pi/** uid=1000 gid=1000
                /home/pi/.ssh/authorized_keys mode=0600   # trailing comment
                "/with space" xattr.user.note="a \\"quoted\\" 0x text"
                /usr/bin/* gid=7
                """);
        FileTree t = new HostDirectoryReader(src).overrides(rules).read();
        Node ping = t.lookup("/usr/bin/ping");
        assertSame(ping, t.lookup("/usr/bin/ping2"), "hard link kept after the override");
        assertEquals(04755, ping.metadata().permissions());
        assertEquals("0:7", ping.metadata().uid() + ":" + ping.metadata().gid());
        assertEquals(20, ping.metadata().xattrs().get("security.capability").length);
        assertEquals(1000, t.lookup("/home/pi/.ssh").metadata().uid());
        assertEquals(0750, t.lookup("/home/pi").metadata().permissions());
        assertEquals(0600, t.lookup("/home/pi/.ssh/authorized_keys").metadata().permissions());
        assertEquals(1000, t.lookup("/home/pi/.ssh/authorized_keys").metadata().gid());
        assertArrayEquals("a \"quoted\" 0x text".getBytes(StandardCharsets.UTF_8),
                t.lookup("/with space").metadata().xattrs().get("user.note"));
    }

    @Test
    void hostOwnersAreDroppedUnlessKept() throws Exception {
        Path src = hostTree();
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) {
            Tools.run("chown", "1234:4321", src.resolve("with space").toString());
        }
        Map<String, Object> a = Files.readAttributes(src.resolve("with space"), "unix:uid,gid");
        assertTrue((Integer) a.get("uid") != 0, "the test needs a file not owned by root");
        Metadata dropped = new HostDirectoryReader(src).read().lookup("/with space").metadata();
        assertEquals("0:0", dropped.uid() + ":" + dropped.gid());
        Metadata kept = new HostDirectoryReader(src).keepOwners(true).read().lookup("/with space").metadata();
        assertEquals(a.get("uid") + ":" + a.get("gid"), kept.uid() + ":" + kept.gid());
        Metadata keptStatic = HostDirectoryReader.read(src, null, true).lookup("/with space").metadata();
        assertEquals(kept.uid() + ":" + kept.gid(), keptStatic.uid() + ":" + keptStatic.gid());
    }

    @Test
    void overrideFileIsReadByTheStaticEntryPoint() throws Exception {
        Path src = hostTree();
        Path rules = Files.writeString(dir.resolve("overrides.txt"), "/usr/bin/ping mode=4711 uid=5\n/usr/bin/ping uid=6\n");
        FileTree t = HostDirectoryReader.read(src, rules, false);
        assertEquals(04711, t.lookup("/usr/bin/ping").metadata().permissions());
        assertEquals(6, t.lookup("/usr/bin/ping").metadata().uid(), "the later line wins");
        assertEquals(0, t.lookup("/with space").metadata().uid());
        Files.writeString(rules, "/usr/bin/ping mode=4711\n/nowhere/* uid=1\n");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> HostDirectoryReader.read(src, rules, false));
        assertTrue(e.getMessage().contains("overrides.txt") && e.getMessage().contains("2"), e.getMessage());
    }

    @Test
    void readsHostDirectoryDeterministically() throws Exception {
        Path src = hostTree();
        Tools.run("mkfifo", src.resolve("fifo").toString());
        FileTree a = new HostDirectoryReader(src).read();
        FileTree b = new HostDirectoryReader(src).read();
        StringBuilder sa = new StringBuilder();
        StringBuilder sb = new StringBuilder();
        a.walk((p, n) -> sa.append(p).append(' ').append(n.type()).append(' ').append(n.metadata().withTimes(n.metadata().mtime(), Timestamp.EPOCH, n.metadata().ctime())).append('\n'));
        b.walk((p, n) -> sb.append(p).append(' ').append(n.type()).append(' ').append(n.metadata().withTimes(n.metadata().mtime(), Timestamp.EPOCH, n.metadata().ctime())).append('\n'));
        // Listing a directory moves its atime: the rest must not change between two reads.
        assertEquals(sa.toString(), sb.toString());
        assertEquals(FileType.FIFO, a.lookup("/fifo").type());
        assertEquals("elf", new String(((RegularFile) a.lookup("/usr/bin/ping")).content().readAll(), StandardCharsets.US_ASCII));
    }

    @Test
    void badLinesNameFileAndLine() throws Exception {
        Path src = hostTree();
        String[][] cases = {
            {"/usr/bin/ping colour=red", "ovr:2: unknown key 'colour'"},
            {"/usr/bin/ping mode=0888", "ovr:2: mode must be octal"},
            {"/usr/bin/ping mode=17777", "ovr:2: mode must be octal"},
            {"/usr/bin/ping uid=-1", "ovr:2: uid must be a number"},
            {"/usr/bin/ping xattr.security.capability=0x123", "ovr:2: bad hex"},
            {"/usr/bin/ping xattr.user.x=plain", "ovr:2: xattr value must be"},
            {"/usr/bin/ping xattr.bogus=0x00", "ovr:2: xattr name must be"},
            {"/no/such/file mode=0644", "ovr:2: '/no/such/file' matches nothing"},
            {"/usr/bin/ping", "ovr:2: rule has a path but no"},
            {"\"/usr/bin/ping mode=0644", "ovr:2: unterminated quote"},
        };
        for (String[] c : cases) {
            InvalidDataException e = assertThrows(InvalidDataException.class, () -> {
                TreeOverrides r = TreeOverrides.parse("ovr", "# first line\n" + c[0] + "\n");
                new HostDirectoryReader(src).overrides(r).read();
            }, c[0]);
            assertTrue(e.getMessage().startsWith(c[1]), c[0] + " -> " + e.getMessage());
        }
    }
}
