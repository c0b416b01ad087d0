package walt.vpn.image.boot;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import walt.vpn.tree.BytesContent;
import walt.vpn.tree.DeviceNode;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.FileType;
import walt.vpn.tree.Metadata;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.Symlink;
import walt.vpn.tree.Timestamp;

/**
 * A small initramfs made on the build host, instead of Debian's, which would have to run
 * arm64 code: a static busybox, the kernel modules that reach an ext4 root on the SD card (or
 * on a virtio disk, so the same image also boots under QEMU's virt machine), and an
 * {@code /init} script that finds the root by PARTUUID, grows it on a larger card, mounts it
 * and switches to it. Written as a gzip-compressed cpio archive: every Debian kernel reads
 * gzip, and gzip output from the JDK is the same on every run.
 */
public final class Initramfs {

    /**
     * Modules for the Raspberry Pi 3 B+ (sdhost controller, sdhci for its other slot, the
     * watchdog that {@code poweroff} and reboot need) and for QEMU's virt machine, ext4, and
     * vfat with its code pages, so that the first boot can mount the boot partition before
     * the root's own modules are indexed (depmod runs in the kernel's postinst).
     */
    public static final List<String> DEFAULT_MODULES = List.of("bcm2835", "sdhci_iproc", "bcm2835_wdt", "virtio_blk", "ext4",
            "vfat", "nls_cp437", "nls_ascii");

    private static final String INIT_RESOURCE = "init";

    private final FileTree tree;

    private Initramfs(FileTree tree) {
        this.tree = tree;
    }

    /**
     * The initramfs for {@code kernel}'s modules {@code wanted} (those it cannot find on a
     * kernel that builds them in are fine; missing ones are an error), with {@code busybox}, a
     * static busybox binary for the kernel's architecture.
     */
    public static Initramfs build(KernelModules kernel, List<String> wanted, RegularFile busybox, Timestamp time) throws IOException {
        FileTree t = FileTree.empty(time);
        Metadata dir = Metadata.of(0755, time);
        for (String d : List.of("/dev", "/proc", "/sys", "/root", "/tmp", "/etc", "/bin")) {
            t.put(d, new walt.vpn.tree.Directory(dir), dir);
        }
        // The kernel opens /dev/console for init before any devtmpfs is mounted.
        t.put("/dev/console", new DeviceNode(FileType.CHAR_DEVICE, Metadata.of(0600, time), 5, 1), dir);
        t.put("/bin/busybox", new RegularFile(Metadata.of(0755, time), busybox.content()), dir);
        t.put("/bin/sh", new Symlink(Metadata.of(0777, time), "busybox"), dir);
        t.put("/init", new RegularFile(Metadata.of(0755, time), new BytesContent(initScript())), dir);
        List<String> order = kernel.loadOrder(wanted);
        List<String> lines = new ArrayList<>();
        for (String path : order) {
            String inRamfs = "/lib/modules/" + kernel.version() + path.substring(kernel.directory().length());
            RegularFile module = (RegularFile) kernel.tree().lookup(path);
            t.put(inRamfs, new RegularFile(Metadata.of(0644, time), module.content()), dir);
            lines.add(inRamfs);
        }
        t.put("/etc/walt-modules", new RegularFile(Metadata.of(0644, time),
                BytesContent.of(lines.isEmpty() ? "" : String.join("\n", lines) + "\n")), dir);
        return new Initramfs(t);
    }

    public FileTree tree() {
        return tree;
    }

    /** The modules /init loads, in order (paths inside the initramfs). */
    public List<String> modules() throws IOException {
        RegularFile f = (RegularFile) tree.lookup("/etc/walt-modules");
        try (InputStream in = java.nio.channels.Channels.newInputStream(f.content().open())) {
            String text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            return text.isEmpty() ? List.of() : List.of(text.split("\n"));
        }
    }

    /** The archive as the kernel takes it: cpio newc, gzip-compressed. */
    public void writeTo(OutputStream out) throws IOException {
        GZIPOutputStream gz = new GZIPOutputStream(out, 1 << 16);
        CpioNewcWriter.write(tree, gz);
        gz.finish();
    }

    /** The archive's bytes. */
    public byte[] bytes() throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        writeTo(out);
        return out.toByteArray();
    }

    private static byte[] initScript() {
        try (InputStream in = Initramfs.class.getResourceAsStream(INIT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the jar lacks " + INIT_RESOURCE);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
