package walt.vpn.server;

import walt.vpn.ssh.Printable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;

/**
 * The server's ends of the tunnels: one persistent tap per node, owned by the tunnel account
 * (sshd attaches to it as that user) and enslaved to the walt-net bridge.
 */
public final class TapDevices {

    private final String bridge;
    private final String owner;

    public TapDevices(String bridge, String owner) {
        if (!bridge.matches("[A-Za-z0-9_.-]{1,15}")) {
            throw new IllegalArgumentException("bad bridge name: " + Printable.of(bridge));
        }
        this.bridge = bridge;
        this.owner = owner;
    }

    /**
     * sshd opens {@code /dev/net/tun} as the tunnel account. Debian makes it 0666; where it
     * is 0600 the account gets it through the group, and nobody else gains anything.
     */
    public void ensureTunAccess() throws IOException {
        Path tun = Path.of("/dev/net/tun");
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(tun);
        if (mode.contains(PosixFilePermission.OTHERS_READ) && mode.contains(PosixFilePermission.OTHERS_WRITE)) {
            return;
        }
        GroupPrincipal group = tun.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(owner);
        Files.getFileAttributeView(tun, PosixFileAttributeView.class).setGroup(group);
        mode.add(PosixFilePermission.GROUP_READ);
        mode.add(PosixFilePermission.GROUP_WRITE);
        Files.setPosixFilePermissions(tun, mode);
    }

    public void ensureBridge() throws IOException {
        if (!exists(bridge)) {
            ip("link", "add", bridge, "address", stableAddress(), "type", "bridge");
        }
        pinAddress();
        ip("link", "set", bridge, "up");
    }

    /**
     * The address of a bridge we make: the same at every boot (from this machine's id and the
     * bridge's name), so that a server coming back from a reboot has the MAC every node on
     * walt-net still has in its ARP cache, instead of a new random one they would take up to
     * a minute to learn. Locally administered, unicast.
     */
    private String stableAddress() throws IOException {
        byte[] id;
        try {
            id = Files.readAllBytes(Path.of("/etc/machine-id"));
        } catch (IOException e) {
            id = new byte[0];
        }
        java.security.MessageDigest sha;
        try {
            sha = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        sha.update(id);
        byte[] h = sha.digest(("walt-vpn bridge " + bridge).getBytes(StandardCharsets.US_ASCII));
        return String.format("02:%02x:%02x:%02x:%02x:%02x", h[0], h[1], h[2], h[3], h[4]);
    }

    /**
     * A bridge whose address nobody set takes the lowest of its ports' addresses: each node's
     * tap joining or leaving could change the server's MAC on walt-net, and every WalT node
     * would lose the server until its ARP entry expired. Setting the address (to the one it
     * has) keeps it, whatever joins.
     */
    private void pinAddress() throws IOException {
        Path sys = Path.of("/sys/class/net", bridge);
        if (!"3".equals(Files.readString(sys.resolve("addr_assign_type")).strip())) { // NET_ADDR_SET
            ip("link", "set", "dev", bridge, "address", Files.readString(sys.resolve("address")).strip());
        }
    }

    public void ensureTap(String tap) throws IOException {
        if (!exists(tap)) {
            ip("tuntap", "add", "dev", tap, "mode", "tap", "user", owner);
        }
        ip("link", "set", tap, "master", bridge);
        ip("link", "set", tap, "up");
    }

    public void remove(String tap) throws IOException {
        if (exists(tap)) {
            ip("link", "del", tap);
        }
    }

    /** True while a process (the node's sshd session) holds the tap: the kernel raises carrier then. */
    public boolean attached(String tap) {
        try {
            return "1".equals(Files.readString(Path.of("/sys/class/net", tap, "carrier")).strip());
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The processes holding this tap open, found through the tun driver's {@code iff:} line
     * in /proc/PID/fdinfo: these are the node's live sshd session.
     */
    public List<Long> holders(String tap) {
        List<Long> out = new ArrayList<>();
        Path ourNet;
        try {
            ourNet = Files.readSymbolicLink(Path.of("/proc/self/ns/net"));
        } catch (IOException e) {
            return out;
        }
        try (var procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                // Tap names are per network namespace: another namespace's tap1 is not ours.
                if (sameLink(proc.resolve("ns/net"), ourNet) && holds(proc, tap)) {
                    out.add(Long.parseLong(proc.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            // /proc unreadable: nothing found
        }
        return out;
    }

    private static boolean sameLink(Path link, Path target) {
        try {
            return Files.readSymbolicLink(link).equals(target);
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean holds(Path proc, String tap) {
        try (var fds = Files.newDirectoryStream(proc.resolve("fd"))) {
            for (Path fd : fds) {
                Path target;
                try {
                    target = Files.readSymbolicLink(fd);
                } catch (IOException gone) {
                    continue;
                }
                if (target.toString().equals("/dev/net/tun")) {
                    String info = Files.readString(proc.resolve("fdinfo").resolve(fd.getFileName()), StandardCharsets.US_ASCII);
                    if (info.lines().anyMatch(l -> l.matches("iff:\\s*" + java.util.regex.Pattern.quote(tap)))) {
                        return true;
                    }
                }
            }
        } catch (IOException e) {
            // the process ended or is not ours to read
        }
        return false;
    }

    private static boolean exists(String dev) {
        return Files.exists(Path.of("/sys/class/net", dev));
    }

    private static void ip(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        HostCommand.check(cmd, 30, "iproute2");
    }
}
