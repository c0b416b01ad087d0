package walt.vpn.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import walt.vpn.image.boot.Initramfs;
import walt.vpn.image.boot.KernelModules;
import walt.vpn.image.boot.TrixieArm64;
import walt.vpn.tree.BytesContent;
import walt.vpn.tree.Metadata;
import walt.vpn.tree.RegularFile;

/**
 * The boot folder of a WalT image that supports model {@code qemu-arm-64}, laid out as
 * drakkar-lig/walt-images did until that model was dropped (304ce741): {@code boot/qemu-arm-64/}
 * holds {@code start.ipxe}, links to the generic scripts of {@code boot/common-ipxe/}
 * ({@code start-generic.ipxe} -> {@code start-generic-nfs3.ipxe}, {@code start-generic-2.ipxe},
 * {@code server-params.ipxe}), {@code kernel} and {@code initrd} (a link to the versioned
 * file). The scripts are written here, command for command as WalT's are (the same
 * variables, {@code chain}s, {@code ||} fallbacks, the HTTP attempt then TFTP), so that the
 * node's interpreter meets what a WalT server serves.
 *
 * <p>The kernel is Debian 13's arm64 kernel; the initrd's /init stands for WalT's: it prints
 * {@link #KERNEL_MARKER} with the kernel's release and its command line, configures the
 * network from {@code ip=} as WalT's initrd does, and reads {@link #ROOT_CHECK} from the
 * server (standing for the NFS root) to print {@link #NETWORK_MARKER}.
 */
public final class WaltImage {

    public static final String KERNEL_MARKER = "WALT-TEST-KERNEL";
    public static final String CMDLINE_MARKER = "WALT-TEST-CMDLINE";
    public static final String NETWORK_MARKER = "WALT-TEST-NETWORK";
    /** A file of the node's folder that /init reads from the server through the VM's own network. */
    public static final String ROOT_CHECK = "root-check";

    private final Path boot;
    private final String kernelVersion;

    private WaltImage(Path boot, String kernelVersion) {
        this.boot = boot;
        this.kernelVersion = kernelVersion;
    }

    /** The image's {@code boot/} folder under {@code dir}; skipped (JUnit assumption) when no Debian kernel can be had. */
    public static WaltImage write(Path dir, boolean gzipKernel) throws IOException, InterruptedException {
        TrixieArm64.Unpacked k = TrixieArm64.get();
        Path boot = Files.createDirectories(dir.resolve("boot"));
        Path model = Files.createDirectories(boot.resolve("qemu-arm-64"));
        Path common = Files.createDirectories(boot.resolve("common-ipxe"));

        Files.writeString(model.resolve("start.ipxe"), """
                #!ipxe
                # The model of this node, then the scripts every model shares.
                set node_model qemu-arm-64
                chain /start-generic.ipxe
                """);
        for (String s : List.of("start-generic.ipxe", "start-generic-2.ipxe", "server-params.ipxe")) {
            Files.createSymbolicLink(model.resolve(s), Path.of("../common-ipxe/" + s));
        }
        Files.createSymbolicLink(common.resolve("start-generic.ipxe"), Path.of("start-generic-nfs3.ipxe"));
        Files.writeString(common.resolve("start-generic-nfs3.ipxe"), """
                #!ipxe
                set nfs_root ${next-server}:/var/lib/walt/nodes/${mac}/fs
                set nfs_opts ro,vers=3,nolock,nocto
                set fs_bootargs root=/dev/nfs boot=netroot rootfstype=netroot nfsroot=${nfs_root},${nfs_opts}
                # HTTP first (walt-server-httpd); a server without it is asked by TFTP.
                set urlprefix http://${next-server}/boot
                chain ${urlprefix}/start-generic-2.ipxe ||
                echo http failed. falling back to tftp.
                set urlprefix
                chain ${urlprefix}/start-generic-2.ipxe
                """);
        Files.writeString(common.resolve("start-generic-2.ipxe"), """
                #!ipxe
                set node_submodel ${manufacturer}/${product}
                echo Walt node model: ${node_model}
                set walt_init /bin/walt-init
                set additional_kernel_params
                set server_mac
                chain ${urlprefix}/server-params.ipxe && imgfree server-params.ipxe ||
                chain ${urlprefix}/boot-params.ipxe && imgfree boot-params.ipxe ||
                chain ${urlprefix}/${node_submodel}/boot-params.ipxe && imgfree boot-params.ipxe ||
                set walt_bootargs walt.node.model=${node_model} walt.server.ip=${next-server}
                set console_bootargs console=ttyAMA0
                set ip_param ip=${ip}:${next-server}:${gateway}:${netmask}:${hostname}::off
                set ip_conf ${ip_param} BOOTIF=01-${mac:hexhyp}
                set other_bootargs init=${walt_init} panic=30 ${ip_conf}
                set bootargs ${fs_bootargs} ${walt_bootargs} ${console_bootargs} ${other_bootargs} ${additional_kernel_params}
                echo Loading initrd...
                initrd ${urlprefix}/initrd || echo No initrd found
                echo Loading kernel...
                kernel ${urlprefix}/kernel initrd=initrd ${bootargs} || reboot
                echo Booting kernel with parameters: ${bootargs}
                boot
                """);
        Files.writeString(common.resolve("server-params.ipxe"), "#!ipxe\nset server_mac 02:00:00:00:00:01\n");

        RegularFile kernel = (RegularFile) k.root().lookup("/boot/vmlinuz-" + k.kernelVersion());
        try (InputStream in = Channels.newInputStream(kernel.content().open());
                OutputStream file = Files.newOutputStream(model.resolve("kernel"));
                OutputStream out = gzipKernel ? new GZIPOutputStream(file, 1 << 16) : file) {
            in.transferTo(out);
        }
        Initramfs initramfs = Initramfs.build(KernelModules.of(k.root(), k.kernelVersion()), List.of("virtio_net"), k.busybox(),
                TrixieArm64.TIME);
        initramfs.tree().put("/init", new RegularFile(Metadata.of(0755, TrixieArm64.TIME), BytesContent.of(INIT)),
                Metadata.of(0755, TrixieArm64.TIME));
        String versioned = "initrd.img-" + k.kernelVersion();
        try (OutputStream out = Files.newOutputStream(boot.resolve(versioned))) {
            initramfs.writeTo(out);
        }
        Files.createSymbolicLink(model.resolve("initrd"), Path.of("../" + versioned));
        Files.writeString(model.resolve(ROOT_CHECK), "root-of-" + k.kernelVersion() + "\n");
        return new WaltImage(boot, k.kernelVersion());
    }

    /** The {@code boot/} folder. */
    public Path boot() {
        return boot;
    }

    public String kernelVersion() {
        return kernelVersion;
    }

    /** What /init prints once the VM's network reached the server. */
    public String networkLine() {
        return NETWORK_MARKER + " root-of-" + kernelVersion;
    }

    /* The markers are spelled in parts, so that only running /init prints them whole. */
    private static final String INIT = """
            #!/bin/busybox sh
            /bin/busybox --install -s /bin
            export PATH=/bin
            mount -t proc proc /proc
            mount -t sysfs sysfs /sys
            m=WALT-TEST
            echo "$m-KERNEL $(uname -r) $(uname -m)"
            echo "$m-CMDLINE $(cat /proc/cmdline)"
            while read -r module; do insmod "$module"; done < /etc/walt-modules
            # ip=IP:SERVER:GATEWAY:NETMASK:HOSTNAME::off, as WalT's initrd reads it.
            for a in $(cat /proc/cmdline); do
                case $a in ip=*) conf=${a#ip=} ;; esac
            done
            IFS=: read -r ip server gw mask host rest <<EOF
            $conf
            EOF
            tries=0
            until [ -e /sys/class/net/eth0 ] || [ $tries -ge 50 ]; do sleep 0.2; tries=$((tries + 1)); done
            ifconfig eth0 "$ip" netmask "$mask" up
            if tftp -g -r /root-check -l /tmp/root-check "$server"; then
                echo "$m-NETWORK $(cat /tmp/root-check)"
            else
                echo "$m-NETWORK-FAILED"
            fi
            poweroff -f
            """;
}
