package walt.vpn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.testing.Tools;

/**
 * {@code mkfs ext4 --from DIR}, as root, keeps what {@code mke2fs -d} keeps: the image is
 * mounted by the kernel and every entry compared with its source by the system's own tools
 * ({@code stat}, {@code find}, {@code getfattr}, {@code getfacl}), never by our reader.
 */
class MkfsKernelRoundTripIT {

    private static final Map<String, String> UTC = Map.of("TZ", "UTC", "LC_ALL", "C");

    @TempDir
    static Path work;

    static Path src;
    static Path mnt;

    @BeforeAll
    static void tree() throws Exception {
        Tools.requireRoot();
        for (String tool : List.of("setfattr", "getfattr", "setfacl", "getfacl", "setcap", "mknod", "mkfifo", "mount")) {
            Tools.require(tool);
        }
        src = work.resolve("src");
        sh("""
                set -e
                mkdir -p etc home/pi usr/bin srv run dev tmp
                chmod 1777 tmp
                echo node > etc/hostname
                ln -s /usr/share/zoneinfo/UTC etc/localtime
                printf 'ping' > usr/bin/ping && chmod 0755 usr/bin/ping && setcap cap_net_raw+ep usr/bin/ping
                printf 'su' > usr/bin/su && chmod 04755 usr/bin/su && ln usr/bin/su usr/bin/su-link
                printf 'pi notes\\n' > home/pi/notes
                chown 1000:1000 home/pi && chmod 0750 home/pi
                chown 1000:100 home/pi/notes && chmod 0640 home/pi/notes
                setfattr -n user.comment -v hello home/pi/notes
                setfattr -n trusted.overlay.opaque -v y home/pi
                printf 'shared\\n' > srv/shared && setfacl -m u:1000:rw,g:100:r srv/shared
                setfacl -d -m u:1000:rwx srv
                mkfifo run/initctl && chmod 0600 run/initctl && setfattr -n trusted.fifo -v f run/initctl
                mknod dev/null c 1 3 && chmod 0666 dev/null
                mknod dev/mmcblk0 b 179 0 && chown 0:6 dev/mmcblk0 && chmod 0660 dev/mmcblk0
                touch -h -d '2021-05-06 07:08:09.123456789' etc/localtime
                touch -d '2021-05-06 07:08:09.987654321' usr/bin/su home/pi/notes srv
                """, Files.createDirectories(src));
        assertEquals(0, WaltJar.run(work, "vpn-image", "mkfs", "ext4", "--from", src.toString(), "-o", "kept.img").exit(), "mkfs");
        Tools.Result fsck = Tools.run("e2fsck", "-fn", work.resolve("kept.img").toString());
        assertEquals(0, fsck.exit(), fsck.all());
        mnt = Files.createDirectories(work.resolve("mnt"));
        Tools.Result mount = Tools.run("mount", "-o", "loop,ro", work.resolve("kept.img").toString(), mnt.toString());
        assertEquals(0, mount.exit(), mount.all());
    }

    @org.junit.jupiter.api.AfterAll
    static void unmount() throws Exception {
        if (mnt != null) {
            Tools.run("umount", mnt.toString());
        }
    }

    @Test
    void ownersModesTimesTypesAndDevicesSurvive() throws Exception {
        String format = "find . -mindepth 1 -path ./lost+found -prune -o -exec stat -c '%n|%F|%u:%g|%a|%y|%h|%t:%T|%N' {} + | sort";
        String expected = sh(format, src);
        assertEquals(expected, sh(format, mnt));
        // The cases the tree was made for, so that a listing that lost them cannot pass.
        assertTrue(expected.contains("./home/pi/notes|regular file|1000:100|640|2021-05-06 07:08:09.987654321 +0000|1|"), expected);
        assertTrue(expected.contains("./dev/mmcblk0|block special file|0:6|660|") && expected.contains("|b3:0|"), expected);
        assertTrue(expected.contains("./usr/bin/su|regular file|0:0|4755|") && expected.contains("./tmp|directory|0:0|1777|"), expected);
    }

    @Test
    void hardLinksStayOneInode() throws Exception {
        String format = "find . -path ./lost+found -prune -o ! -type d -printf '%i %p\\n'";
        assertEquals(linkGroups(sh(format, src)), linkGroups(sh(format, mnt)));
        assertTrue(linkGroups(sh(format, mnt)).contains(new TreeSet<>(List.of("./usr/bin/su", "./usr/bin/su-link"))));
    }

    @Test
    void everyXattrNamespaceAndAclSurvives() throws Exception {
        // One block per file, in the order the directories list them: compared as a set.
        String xattrs = "getfattr -R -h -d -m - -e hex . 2>&1";
        String expected = sh(xattrs, src);
        assertEquals(new TreeSet<>(List.of(expected.split("\n\n"))), new TreeSet<>(List.of(sh(xattrs, mnt).split("\n\n"))));
        for (String name : List.of("security.capability", "user.comment", "trusted.overlay.opaque", "trusted.fifo",
                "system.posix_acl_access", "system.posix_acl_default")) {
            assertTrue(expected.contains(name + "="), name + " missing from the source's listing: " + expected);
        }
        String acls = "getfacl -R -p . 2>&1";
        assertEquals(new TreeSet<>(List.of(sh(acls, src).split("\n\n"))),
                new TreeSet<>(List.of(sh(acls, mnt).split("\n\n"))).stream().filter(b -> !b.contains("lost+found"))
                        .collect(java.util.stream.Collectors.toCollection(TreeSet::new)));
        assertTrue(sh("getcap usr/bin/ping", mnt).contains("cap_net_raw=ep"));
    }

    /** The sets of paths that share an inode, from "INODE PATH" lines. */
    private static java.util.Set<java.util.Set<String>> linkGroups(String lines) {
        Map<String, java.util.Set<String>> byInode = new TreeMap<>();
        lines.lines().forEach(l -> byInode.computeIfAbsent(l.substring(0, l.indexOf(' ')), k -> new TreeSet<>()).add(l.substring(l.indexOf(' ') + 1)));
        return new java.util.HashSet<>(byInode.values());
    }

    private static String sh(String script, Path dir) throws IOException, InterruptedException {
        Tools.Result r = Tools.run(List.of("sh", "-c", script), dir, 60, UTC);
        assertEquals(0, r.exit(), script + ": " + r.all());
        return r.stdout();
    }
}
