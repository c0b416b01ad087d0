package walt.vpn.node;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import freemarker.template.Configuration;
import freemarker.template.Template;
import freemarker.template.TemplateException;
import freemarker.template.TemplateExceptionHandler;
import walt.vpn.testing.NetworkLab;
import walt.vpn.testing.Tools;

/** The node's static files as the tests use them (here and in the end-to-end test): scripts run natively, templates rendered. */
public final class Node {

    static final Path OVERLAY = Path.of("rootfs-overlay").toAbsolutePath();
    static final Path LIB = OVERLAY.resolve("usr/lib/walt-vpn");
    static final Path UNITS = OVERLAY.resolve("etc/systemd/system");
    static final Path TEMPLATES = Path.of("templates").toAbsolutePath();

    private Node() {
    }

    /** Ends a test's namespace lab and removes its scratch folder (never crossing into a mount inside it). */
    static void closeLab(NetworkLab net, Path scratch) throws IOException, InterruptedException {
        if (net != null) {
            net.close();
        }
        if (scratch != null) {
            Tools.run("rm", "-rf", "--one-file-system", scratch.toString());
        }
    }

    public static String script(String name) {
        return LIB.resolve(name).toString();
    }

    /** Every shell script of the node: the services' entry points and the shared library. */
    static List<Path> scripts() throws IOException {
        try (var s = Files.list(LIB)) {
            return s.filter(p -> p.toString().endsWith(".sh")).sorted().toList();
        }
    }

    /** Renders templates/{@code name} as setup-node will: Freemarker 2.3.35, errors raised. */
    public static String render(String name, Map<String, ?> model) throws IOException, TemplateException {
        Configuration cfg = new Configuration(Configuration.VERSION_2_3_35);
        cfg.setDirectoryForTemplateLoading(TEMPLATES.toFile());
        cfg.setDefaultEncoding("UTF-8");
        cfg.setTemplateExceptionHandler(TemplateExceptionHandler.RETHROW_HANDLER);
        cfg.setLogTemplateExceptions(false);
        Template t = cfg.getTemplate(name);
        StringWriter out = new StringWriter();
        t.process(model, out);
        return out.toString();
    }

    /** Runs {@code function args...} of common.sh in a POSIX shell with {@code env}. */
    static Tools.Result common(Map<String, String> env, String... functionAndArgs) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", ". \"$0\"; \"$@\"", script("common.sh")));
        cmd.addAll(List.of(functionAndArgs));
        return Tools.run(cmd, null, 30, env);
    }

    /** Waits up to {@code seconds} for {@code condition}; fails with {@code what} and {@code diagnostics} if it never holds. */
    public static void await(BooleanSupplier condition, int seconds, String what, Supplier<String> diagnostics) throws InterruptedException {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("no " + what + " after " + seconds + " s\n" + diagnostics.get());
            }
            Thread.sleep(200);
        }
    }

    /** Whether a file (a log being written) holds {@code text} yet. */
    public static boolean contains(Path file, String text) {
        try {
            return Files.exists(file) && Files.readString(file).contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    /** A file's text for a failure message, or nothing if it is not there. */
    public static String text(Path file) {
        try {
            return file != null && Files.exists(file) ? "\n--- " + file + "\n" + Files.readString(file) : "";
        } catch (IOException e) {
            return "\n--- " + file + ": " + e;
        }
    }

    /** A fake /sys holding what the scripts read: network interfaces and USB hubs. */
    public static final class Sysfs {
        public final Path root;

        public Sysfs(Path root) {
            this.root = root;
        }

        /** An interface with its MAC and addr_assign_type (0 permanent, 1 random, 3 set by user), its link up. */
        public Sysfs net(String name, String mac, int assignType) throws IOException {
            Path d = Files.createDirectories(root.resolve("class/net").resolve(name));
            Files.writeString(d.resolve("address"), mac + "\n");
            Files.writeString(d.resolve("addr_assign_type"), assignType + "\n");
            Files.writeString(d.resolve("operstate"), "up\n");
            return this;
        }

        /** The kernel's consoles, as /sys/class/tty/console/active lists them. */
        public Sysfs consoles(String... names) throws IOException {
            Path d = Files.createDirectories(root.resolve("class/tty/console"));
            Files.writeString(d.resolve("active"), String.join(" ", names) + "\n");
            return this;
        }

        /** A USB device (bDeviceClass in hex, "09" for a hub) with the ports of its first interface. */
        Sysfs usb(String device, String deviceClass, int ports) throws IOException {
            Path devices = Files.createDirectories(root.resolve("bus/usb/devices"));
            Path dev = Files.createDirectories(devices.resolve(device));
            Files.writeString(dev.resolve("bDeviceClass"), deviceClass + "\n");
            String intf = device.startsWith("usb") ? device.substring(3) + "-0:1.0" : device + ":1.0";
            Path i = Files.createDirectories(devices.resolve(intf));
            for (int n = 1; n <= ports; n++) {
                Path port = Files.createDirectories(i.resolve(device + "-port" + n));
                Files.writeString(port.resolve("connect_type"), "unknown\n");
            }
            return this;
        }

        /** Puts interface {@code name} on USB interface {@code usbInterface} (its device link). */
        Sysfs netOnUsb(String name, String usbInterface) throws IOException {
            Path devices = Files.createDirectories(root.resolve("bus/usb/devices"));
            Path intf = Files.createDirectories(devices.resolve(usbInterface));
            Files.createSymbolicLink(root.resolve("class/net").resolve(name).resolve("device"), intf);
            return this;
        }

        /**
         * The Raspberry Pi 3 B+: the root hub, the LAN7515's two hubs (1-1, and 1-1.1 in its
         * port 1), its Ethernet in 1-1.1.1 (eth0) and the four sockets 1-1.2, 1-1.3, 1-1.1.2,
         * 1-1.1.3, one with a device plugged in.
         */
        Sysfs raspberryPi3bPlus(String mac) throws IOException {
            usb("usb1", "09", 1);
            usb("1-1", "09", 3);
            usb("1-1.1", "09", 3);
            usb("1-1.1.1", "ff", 0);
            usb("1-1.3", "00", 0);
            net("eth0", mac, 0);
            return netOnUsb("eth0", "1-1.1.1:1.0");
        }
    }
}
