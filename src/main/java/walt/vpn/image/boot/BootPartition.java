package walt.vpn.image.boot;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import walt.vpn.tree.BytesContent;
import walt.vpn.tree.Directory;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.InvalidDataException;
import walt.vpn.tree.Metadata;
import walt.vpn.tree.Node;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.Timestamp;

/**
 * What a Raspberry Pi 3 B+ boots from, laid out the way Debian's raspi-firmware package does
 * it in /boot/firmware (so that its hooks, run again on kernel upgrades, keep the same files):
 * the GPU firmware, the device trees, the kernel and initramfs under their versioned names,
 * {@code config.txt} and {@code cmdline.txt}. The root filesystem gets the matching pieces:
 * fstab by PARTUUID, the kernel hook's settings in /etc/default, and the initramfs in /boot,
 * where the hook looks for it.
 *
 * @param kernelVersion  the kernel's version, as in /boot/vmlinuz-VERSION
 * @param rootPartUuid   PARTUUID of the root partition
 * @param bootPartUuid   PARTUUID of the boot partition
 * @param config         extra config.txt settings, in order
 * @param extraCmdline   extra kernel command line arguments
 */
public record BootPartition(String kernelVersion, String rootPartUuid, String bootPartUuid,
                            Map<String, String> config, List<String> extraCmdline) {

    /** The real board's serial console, and the screen. */
    public static final List<String> CONSOLES = List.of("console=tty0", "console=ttyS1,115200");
    public static final String DTB = "bcm2837-rpi-3-b-plus.dtb";

    private static final Pattern PARTUUID = Pattern.compile("[0-9a-f]{8}-0[1-4]");
    private static final Pattern VERSION = Pattern.compile("[0-9A-Za-z.+~_-]+");
    private static final Pattern CONFIG_KEY = Pattern.compile("[A-Za-z0-9_]+");
    private static final Pattern CONFIG_VALUE = Pattern.compile("[\\x21-\\x7e]([\\x20-\\x7e]*[\\x21-\\x7e])?");
    private static final Pattern CMDLINE_ARG = Pattern.compile("[\\x21-\\x7e]+");

    public BootPartition {
        config = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(config));
        extraCmdline = List.copyOf(extraCmdline);
        check(VERSION, kernelVersion, "kernel version");
        check(PARTUUID, rootPartUuid, "root PARTUUID");
        check(PARTUUID, bootPartUuid, "boot PARTUUID");
        checkSettings(config, extraCmdline);
    }

    /** The recipe's config.txt settings and kernel arguments, as both files can hold them. */
    static void checkSettings(Map<String, String> config, List<String> extraCmdline) {
        for (Map.Entry<String, String> e : config.entrySet()) {
            check(CONFIG_KEY, e.getKey(), "config.txt key");
            check(CONFIG_VALUE, e.getValue(), "config.txt value of " + e.getKey());
        }
        for (String a : extraCmdline) {
            check(CMDLINE_ARG, a, "kernel command line argument");
        }
    }

    private static void check(Pattern p, String value, String what) {
        if (value == null || !p.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " '" + printable(value) + "' is not valid (allowed: " + p.pattern() + ")");
        }
    }

    private static String printable(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(c -> b.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", c) : Character.toString(c)));
        return b.toString();
    }

    public String kernelFile() {
        return "vmlinuz-" + kernelVersion;
    }

    public String initrdFile() {
        return "initrd.img-" + kernelVersion;
    }

    public String configTxt() {
        StringBuilder b = new StringBuilder();
        b.append("arm_64bit=1\n");
        b.append("enable_uart=1\n");
        b.append("upstream_kernel=1\n");
        b.append("kernel=").append(kernelFile()).append('\n');
        b.append("initramfs ").append(initrdFile()).append('\n');
        b.append(customConfig());
        return b.toString();
    }

    public String cmdlineTxt() {
        List<String> args = new ArrayList<>(CONSOLES);
        args.addAll(List.of("root=PARTUUID=" + rootPartUuid, "rw", "fsck.repair=yes", "net.ifnames=0", "rootwait"));
        args.addAll(extraCmdline);
        return String.join(" ", args) + "\n";
    }

    public String fstab() {
        return "# <file system>  <mount point>  <type>  <options>  <dump>  <pass>\n"
                + "PARTUUID=" + rootPartUuid + "  /  ext4  defaults,noatime,x-systemd.growfs  0  1\n"
                + "PARTUUID=" + bootPartUuid + "  /boot/firmware  vfat  defaults,noatime  0  2\n";
    }

    private String customConfig() {
        StringBuilder b = new StringBuilder();
        config.forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
        return b.toString();
    }

    /**
     * The boot partition's files, taken from {@code root} (where the kernel and raspi-firmware
     * packages were unpacked) plus {@code initramfs}.
     */
    public FileTree bootTree(FileTree root, byte[] initramfs, Timestamp time) throws IOException {
        FileTree boot = FileTree.empty(time);
        Metadata dir = Metadata.of(0755, time);
        Node firmware = root.lookup("/usr/lib/raspi-firmware");
        if (!(firmware instanceof Directory fw) || !(fw.child("bootcode.bin") instanceof RegularFile)) {
            throw new InvalidDataException("no Raspberry Pi firmware in /usr/lib/raspi-firmware: add package raspi-firmware (component non-free-firmware)");
        }
        copyInto(boot, "", fw, dir);
        Node dtbs = root.lookup("/usr/lib/linux-image-" + kernelVersion + "/broadcom");
        if (!(dtbs instanceof Directory d) || !(d.child(DTB) instanceof RegularFile)) {
            throw new InvalidDataException("kernel " + kernelVersion + " has no " + DTB + " in /usr/lib/linux-image-" + kernelVersion + "/broadcom");
        }
        for (Map.Entry<String, Node> e : d.children().entrySet()) {
            if (e.getKey().startsWith("bcm") && e.getKey().endsWith(".dtb") && e.getValue() instanceof RegularFile f) {
                boot.put("/" + e.getKey(), file(f, time), dir);
            }
        }
        if (!(root.lookup("/boot/" + kernelFile()) instanceof RegularFile kernel)) {
            throw new InvalidDataException("no kernel /boot/" + kernelFile() + " in the root tree");
        }
        boot.put("/" + kernelFile(), file(kernel, time), dir);
        boot.put("/" + initrdFile(), new RegularFile(Metadata.of(0644, time), new BytesContent(initramfs)), dir);
        boot.put("/config.txt", text(configTxt(), time), dir);
        boot.put("/cmdline.txt", text(cmdlineTxt(), time), dir);
        return boot;
    }

    /**
     * Adds to {@code root} what goes with this boot partition: fstab, the initramfs where the
     * raspi-firmware kernel hook finds it, the hook's settings (so an upgrade writes the same
     * cmdline.txt and config.txt), and the /boot/firmware mount point.
     */
    public void completeRoot(FileTree root, byte[] initramfs, Timestamp time) {
        Metadata dir = Metadata.of(0755, time);
        root.put("/etc/fstab", text(fstab(), time), dir);
        root.put("/boot/" + initrdFile(), new RegularFile(Metadata.of(0644, time), new BytesContent(initramfs)), dir);
        if (!(root.lookup("/boot/firmware") instanceof Directory)) {
            root.put("/boot/firmware", new Directory(dir), dir);
        }
        root.put("/etc/default/raspi-firmware", text("# Written by walt-vpn: the same root and consoles as cmdline.txt.\n"
                + "ROOTPART=PARTUUID=" + rootPartUuid + "\n"
                + "CONSOLES=\"tty0 ttyS1,115200\"\n", time), dir);
        root.put("/etc/default/raspi-firmware-custom", text(customConfig(), time), dir);
        root.put("/etc/default/raspi-extra-cmdline", text(String.join(" ", extraCmdline) + "\n", time), dir);
        root.put("/etc/initramfs-tools/update-initramfs.conf", text("# Written by walt-vpn: this image boots with an initramfs made when it was built\n"
                + "# (busybox, the SD card and ext4 modules). Rebuilding it on the board after every\n"
                + "# package change would take minutes for nothing; a new kernel still gets one from\n"
                + "# its own package hooks.\n"
                + "update_initramfs=no\n"
                + "backup_initramfs=no\n", time), dir);
    }

    private static void copyInto(FileTree into, String prefix, Directory from, Metadata dir) {
        for (Map.Entry<String, Node> e : from.children().entrySet()) {
            String p = prefix + "/" + e.getKey();
            if (e.getValue() instanceof Directory d) {
                into.put(p, new Directory(dir), dir);
                copyInto(into, p, d, dir);
            } else if (e.getValue() instanceof RegularFile f) {
                into.put(p, file(f, dir.mtime()), dir);
            }
        }
    }

    /** FAT keeps no owner or mode: every file is a plain 0644 one. */
    private static RegularFile file(RegularFile f, Timestamp time) {
        return new RegularFile(Metadata.of(0644, time), f.content());
    }

    private static RegularFile text(String s, Timestamp time) {
        return new RegularFile(Metadata.of(0644, time), BytesContent.of(s));
    }
}
