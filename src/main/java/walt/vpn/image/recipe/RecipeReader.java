package walt.vpn.image.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import walt.vpn.deb.AptSource;
import walt.vpn.deb.DebianSnapshot;
import walt.vpn.image.output.ImageFormat;
import walt.vpn.tree.InvalidDataException;

/**
 * Reads and checks a recipe. Every mistake is reported with the file and the path of the key
 * ({@code rpi3bp-base.yaml: packages[3]: ...}); unknown keys are errors, with the nearest known
 * key suggested, so that a typo never silently drops a setting.
 *
 * <pre>
 * name: rpi3bp-base
 * description: Debian 13 for the Raspberry Pi 3 B+
 * target: sd-card                    # default; or rootfs (below)
 * base:
 *   debian:
 *     suite: trixie                  # default trixie
 *     architecture: arm64            # default arm64
 *     mirror: http://deb.debian.org/debian
 *     components: [main, non-free-firmware]
 *     keyring: /usr/share/keyrings/debian-archive-keyring.gpg
 *     snapshot: 2025-06-01T00:00:00Z # optional; or 20250601T000000Z
 *     essential: true                # the required set, configured at first boot
 * packages: [systemd-sysv, openssh-server]
 * overlays: [overlay, ../rootfs-overlay]   # folders relative to the recipe's folder, owned by root,
 *                                    # modes as git keeps them (0755 dirs and executables, else 0644)
 * files:
 *   - {path: /etc/hostname, content: "node\n", mode: "0644"}
 *   - {path: /usr/local/bin/x, source: files/x, mode: "0755", owner: 0, group: 0}
 * boot:
 *   config: {gpu_mem: "16"}
 *   cmdline: [quiet]
 *   modules: [bcm2835, ext4]         # initramfs modules; default: SD card, virtio disk, ext4
 * partitions: {boot: auto, root: auto}   # or sizes: 256M, 2G
 * outputs: {formats: [raw], bmap: false}
 * </pre>
 *
 * <p><b>Snapshot.</b> With {@code snapshot}, the mirror is snapshot.debian.org at that time
 * ({@code https://snapshot.debian.org/archive/debian/20250601T000000Z/}); a {@code mirror} given
 * as well must say where the time goes with {@code {snapshot}} (a local copy of the snapshot
 * archive, {@code http://cache.lan/debian/{snapshot}/}). The Release must have been valid at that
 * time, and the time is the build time unless SOURCE_DATE_EPOCH says otherwise: the same recipe
 * gives the same image whenever it is built.
 *
 * <p><b>Image base.</b> Instead of {@code debian}, a base can be an SD card image with an MBR,
 * a FAT boot partition and an ext4 root (Raspberry Pi OS, or an image of ours):
 *
 * <pre>
 * base:
 *   image:
 *     path: raspios-lite.img.xz      # .img, .img.xz or .img.zst; relative to the recipe, or absolute
 *     # url: https://host/raspios-lite.img.xz   # instead of path: downloaded into the build cache
 *     sha256: 0123...cdef            # of the file as given (compressed); required
 *   apt:                             # where the added packages come from: the keys of
 *     suite: bookworm                # base.debian but essential, with the same defaults;
 *     mirror: http://deb.debian.org/debian     # required when packages is not empty
 *     components: [main]
 * packages: [hello]
 * </pre>
 *
 * The base's root and boot partitions are read (no loop mount), its dpkg status says what is
 * installed, and only what {@code packages} still needs is added (configured at first boot by
 * the base's systemd). The boot partition is kept: {@code boot.config} settings replace or
 * are added to its config.txt, {@code boot.cmdline} arguments are added to its cmdline.txt, and
 * the old disk's PARTUUIDs in cmdline.txt and /etc/fstab become the new image's.
 * {@code boot.modules} is refused (the base keeps its own initramfs); {@code partitions.boot:
 * auto} keeps the base's boot partition size.
 *
 * <p><b>Root filesystem tar.</b> With {@code target: rootfs} the build makes only the root
 * tree, from a {@code base.debian} (an image base is refused), and writes it as the reproducible
 * PAX tar {@code NAME.tar}: no kernel, firmware or initramfs is added, and {@code boot},
 * {@code partitions} and {@code outputs.bmap} are refused. {@code outputs.formats} lists
 * {@code tar} (the default, always written), {@code tar.zst} and {@code tar.xz}. The tar has
 * debootstrap's minimal {@code /dev} (null, zero, full, random, urandom, tty, console), so that
 * for the build host's architecture the install is finished, as root, with no mount:
 *
 * <pre>
 * tar -xpf NAME.tar -C root/ &amp;&amp; chroot root/ /usr/lib/walt-vpn/first-boot-configure
 * </pre>
 *
 * (the first-boot script run as any process but PID 1: preinsts and {@code dpkg --configure -a},
 * no service started, no init run).
 */
public final class RecipeReader {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern PACKAGE = Pattern.compile("[a-z0-9][a-z0-9+.-]+");
    private static final Pattern MODULE = Pattern.compile("[A-Za-z0-9_-]+");
    private static final Pattern SIZE = Pattern.compile("([0-9]+)([KMGT]?)");
    private static final Pattern IMAGE_FILE = Pattern.compile(".+\\.img(\\.xz|\\.zst)?");
    private static final int MAX_RECIPE = 1 << 20;
    private static final String ROOTFS_ONLY = "only for target sd-card, not rootfs: ";
    /** The output forms of a rootfs, in the order of {@link ImageFormat}'s raw, zst, xz. */
    private static final Map<String, ImageFormat> TAR_FORMATS = Map.of("tar", ImageFormat.raw, "tar.zst", ImageFormat.zst, "tar.xz", ImageFormat.xz);

    private final Path file;
    private final String where;

    private RecipeReader(Path file) {
        this.file = file.toAbsolutePath().normalize();
        this.where = file.getFileName().toString();
    }

    public static Recipe read(Path file) throws IOException {
        return new RecipeReader(file).read();
    }

    private Recipe read() throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new InvalidDataException(where + ": no such recipe file");
        }
        if (Files.size(file) > MAX_RECIPE) {
            throw new InvalidDataException(where + ": larger than 1 MiB, not a recipe");
        }
        JsonNode top;
        try {
            top = YamlTree.read(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            String msg = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
            throw new InvalidDataException(where + ": not valid YAML: " + msg);
        }
        if (top == null || !top.isObject()) {
            throw new InvalidDataException(where + ": the recipe must be a mapping of keys (name, base, packages, ...)");
        }
        keys(top, "", Set.of("name", "description", "target", "base", "packages", "overlays", "files", "boot", "partitions", "outputs"));
        String name = text(top, "name", null);
        if (name == null || !NAME.matcher(name).matches()) {
            throw error("name", "'" + name + "' must be 1-64 letters, digits, '.', '_' or '-'");
        }
        String description = text(top, "description", "");
        Recipe.Target target = target(top);
        List<String> listed = strings(top, "packages");
        Recipe.Base base = base(required(top, "base", "base"), !listed.isEmpty());
        List<String> packages = new ArrayList<>();
        for (String p : listed) {
            if (!PACKAGE.matcher(p).matches()) {
                throw error("packages[" + packages.size() + "]", "'" + p + "' is not a Debian package name");
            }
            packages.add(p);
        }
        List<Path> overlays = new ArrayList<>();
        List<String> ov = strings(top, "overlays");
        for (int i = 0; i < ov.size(); i++) {
            Path p = relative(ov.get(i), "overlays[" + i + "]");
            if (!Files.isDirectory(p)) {
                throw error("overlays[" + i + "]", "'" + ov.get(i) + "' is not a folder next to the recipe");
            }
            overlays.add(p);
        }
        List<Recipe.FileSpec> files = files(top.get("files"));
        Recipe.Boot boot = boot(top.get("boot"));
        if (base instanceof Recipe.ImageBase && !boot.modules().isEmpty()) {
            throw error("boot.modules", "only for a debian base: an image base keeps its own initramfs");
        }
        Recipe.Partitions partitions = partitions(top.get("partitions"));
        Recipe.Outputs outputs = outputs(top.get("outputs"), target);
        return new Recipe(file, name, description, target, base, List.copyOf(packages), List.copyOf(overlays), files, boot, partitions, outputs);
    }

    /**
     * The top-level {@code target}; for a rootfs, the keys that only mean something for an SD
     * card are refused here, before anything else is read, so the error names them.
     */
    private Recipe.Target target(JsonNode top) throws InvalidDataException {
        String key = text(top, "target", Recipe.Target.SD_CARD.key());
        Recipe.Target target = Recipe.Target.named(key);
        if (target == null) {
            throw error("target", "'" + key + "' is not sd-card or rootfs");
        }
        if (target == Recipe.Target.ROOTFS) {
            if (top.get("base") != null && top.get("base").has("image")) {
                throw error("base.image", ROOTFS_ONLY + "a rootfs is made from packages: give base.debian");
            }
            for (String k : List.of("boot", "partitions")) {
                if (top.has(k)) {
                    throw error(k, ROOTFS_ONLY + "a rootfs tar has no boot partition, kernel or partition table");
                }
            }
            JsonNode outputs = top.get("outputs");
            if (outputs != null && outputs.isObject() && outputs.has("bmap")) {
                throw error("outputs.bmap", ROOTFS_ONLY + "a block map is for writing an image to a card, not a tar");
            }
        }
        return target;
    }

    private Recipe.Base base(JsonNode base, boolean addsPackages) throws InvalidDataException {
        keys(base, "base", Set.of("debian", "image", "apt"));
        if (base.has("debian") == base.has("image")) {
            throw error("base", "give exactly one of debian (a base made from packages) and image (an SD card image file)");
        }
        if (base.has("debian")) {
            if (base.has("apt")) {
                throw error("base.apt", "only for an image base: a debian base's packages come from base.debian");
            }
            JsonNode d = base.get("debian");
            keys(d, "base.debian", Set.of("suite", "architecture", "mirror", "snapshot", "components", "keyring", "essential"));
            return new Recipe.DebianBase(apt(d, "base.debian"), bool(d, "essential", true));
        }
        JsonNode img = required(base, "image", "base.image");
        keys(img, "base.image", Set.of("path", "url", "sha256"));
        if (img.has("path") == img.has("url")) {
            throw error("base.image", "give exactly one of path (a file) and url (downloaded into the build cache)");
        }
        Path file = null;
        URI url = null;
        String name;
        if (img.has("path")) {
            // Unlike overlays, a base image may live anywhere: its sha256 pins what it is.
            file = this.file.getParent().resolve(text(img, "path", "")).normalize();
            if (!Files.isRegularFile(file)) {
                throw error("base.image.path", "no such file " + file);
            }
            name = file.getFileName().toString();
        } else {
            url = url(text(img, "url", ""), "base.image.url", Set.of("http", "https"));
            name = url.getPath() == null ? "" : url.getPath().substring(url.getPath().lastIndexOf('/') + 1);
        }
        if (!IMAGE_FILE.matcher(name).matches()) {
            throw error(img.has("path") ? "base.image.path" : "base.image.url", "'" + name + "' is not a .img, .img.xz or .img.zst file");
        }
        String sha256 = text(img, "sha256", null);
        if (sha256 == null || !sha256.matches("[0-9a-fA-F]{64}")) {
            throw error("base.image.sha256", sha256 == null ? "missing: the image's SHA256 (sha256sum FILE) pins what the base is"
                    : "'" + sha256 + "' is not a SHA256 (64 hex digits)");
        }
        Recipe.Apt apt = null;
        if (base.has("apt")) {
            JsonNode a = base.get("apt");
            keys(a, "base.apt", Set.of("suite", "architecture", "mirror", "snapshot", "components", "keyring"));
            apt = apt(a, "base.apt");
        } else if (addsPackages) {
            throw error("base.apt", "missing: an image base needs the repository its added packages come from");
        }
        return new Recipe.ImageBase(file, url, sha256.toLowerCase(java.util.Locale.ROOT), apt);
    }

    /** A repository: the keys of base.debian and base.apt. */
    private Recipe.Apt apt(JsonNode d, String at) throws InvalidDataException {
        String suite = text(d, "suite", AptSource.DEFAULT_SUITE);
        String arch = text(d, "architecture", "arm64");
        DebianSnapshot snapshot = null;
        if (d.has("snapshot")) {
            try {
                snapshot = DebianSnapshot.parse(text(d, "snapshot", ""));
            } catch (IllegalArgumentException e) {
                throw error(at + ".snapshot", e.getMessage());
            }
        }
        URI mirror;
        try {
            if (snapshot != null) {
                mirror = snapshot.mirror(text(d, "mirror", null));
            } else {
                String m = text(d, "mirror", AptSource.DEBIAN.toString());
                if (m.contains(DebianSnapshot.PLACEHOLDER)) {
                    throw new IllegalArgumentException("has " + DebianSnapshot.PLACEHOLDER + " but no snapshot time is given");
                }
                mirror = URI.create(m);
            }
        } catch (IllegalArgumentException e) {
            throw error(at + ".mirror", e.getMessage());
        }
        List<String> components = d.has("components") ? strings(d, "components") : List.of("main", "non-free-firmware");
        Path keyring = Path.of(text(d, "keyring", AptSource.DEBIAN_KEYRING.toString()));
        if (!keyring.isAbsolute()) {
            keyring = inside(keyring.toString(), at + ".keyring");
        }
        Recipe.Apt apt = new Recipe.Apt(mirror, suite, arch, List.copyOf(components), keyring, snapshot);
        try {
            apt.source();
        } catch (IllegalArgumentException e) {
            throw error(at, e.getMessage());
        }
        return apt;
    }

    private URI url(String text, String at, Set<String> schemes) throws InvalidDataException {
        try {
            URI u = new URI(text);
            if (u.getScheme() == null || !schemes.contains(u.getScheme()) || u.getHost() == null) {
                throw error(at, "'" + text + "' is not an " + String.join(" or ", new java.util.TreeSet<>(schemes)) + " URL");
            }
            return u;
        } catch (java.net.URISyntaxException e) {
            throw error(at, "not a URL: " + e.getMessage());
        }
    }

    private List<Recipe.FileSpec> files(JsonNode node) throws IOException {
        List<Recipe.FileSpec> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isArray()) {
            throw error("files", "must be a list");
        }
        for (int i = 0; i < node.size(); i++) {
            String at = "files[" + i + "]";
            JsonNode f = node.get(i);
            if (!f.isObject()) {
                throw error(at, "must be a mapping with path and content or source");
            }
            keys(f, at, Set.of("path", "content", "source", "mode", "owner", "group"));
            String path = text(f, "path", null);
            if (path == null || !path.startsWith("/") || path.contains("/../") || path.endsWith("/..") || path.contains("\0") || path.equals("/")) {
                throw error(at + ".path", "must be an absolute path inside the image, not '" + path + "'");
            }
            if (f.has("content") == f.has("source")) {
                throw error(at, "give exactly one of content and source");
            }
            byte[] content = f.has("content") ? text(f, "content", "").getBytes(StandardCharsets.UTF_8)
                    : Files.readAllBytes(existing(inside(text(f, "source", ""), at + ".source"), at + ".source"));
            if (f.has("mode") && !f.get("mode").isTextual()) {
                // YAML reads an unquoted 0644 as the number 420 or 644, depending on the parser.
                throw error(at + ".mode", "'" + f.get("mode").asText() + "' must be a quoted octal mode like \"0644\"");
            }
            int mode = octal(text(f, "mode", "0644"), at + ".mode");
            int uid = id(f, "owner", at);
            int gid = id(f, "group", at);
            out.add(new Recipe.FileSpec(path, mode, uid, gid, content));
        }
        return List.copyOf(out);
    }

    private Recipe.Boot boot(JsonNode node) throws InvalidDataException {
        if (node == null || node.isNull()) {
            return new Recipe.Boot(Map.of(), List.of(), List.of());
        }
        keys(node, "boot", Set.of("config", "cmdline", "modules"));
        Map<String, String> config = new LinkedHashMap<>();
        JsonNode c = node.get("config");
        if (c != null && !c.isNull()) {
            if (!c.isObject()) {
                throw error("boot.config", "must be a mapping of config.txt settings");
            }
            Iterator<Map.Entry<String, JsonNode>> it = c.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isValueNode()) {
                    throw error("boot.config." + e.getKey(), "must be a single value");
                }
                config.put(e.getKey(), e.getValue().asText());
            }
        }
        List<String> modules = strings(node, "modules");
        for (int i = 0; i < modules.size(); i++) {
            if (!MODULE.matcher(modules.get(i)).matches()) {
                throw error("boot.modules[" + i + "]", "'" + modules.get(i) + "' is not a kernel module name");
            }
        }
        return new Recipe.Boot(config, strings(node, "cmdline"), modules);
    }

    private Recipe.Partitions partitions(JsonNode node) throws InvalidDataException {
        if (node == null || node.isNull()) {
            return new Recipe.Partitions(0, 0);
        }
        keys(node, "partitions", Set.of("boot", "root"));
        return new Recipe.Partitions(size(node, "boot"), size(node, "root"));
    }

    /** The output forms; a rootfs names them tar, tar.zst, tar.xz (the raw tar and its compressed copies). */
    private Recipe.Outputs outputs(JsonNode node, Recipe.Target target) throws InvalidDataException {
        if (node == null || node.isNull()) {
            return new Recipe.Outputs(List.of(ImageFormat.raw), false);
        }
        keys(node, "outputs", Set.of("formats", "bmap"));
        boolean tar = target == Recipe.Target.ROOTFS;
        List<String> names = node.has("formats") ? strings(node, "formats") : List.of(tar ? "tar" : "raw");
        List<ImageFormat> formats = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            ImageFormat f = tar ? TAR_FORMATS.get(names.get(i)) : ImageFormat.named(names.get(i));
            if (f == null) {
                throw error("outputs.formats[" + i + "]", "'" + names.get(i) + "' is not one of " + (tar ? "tar, tar.zst, tar.xz" : "raw, zst, xz"));
            }
            formats.add(f);
        }
        return new Recipe.Outputs(List.copyOf(formats), bool(node, "bmap", false));
    }

    private long size(JsonNode node, String key) throws InvalidDataException {
        String v = text(node, key, "auto");
        if (v.equals("auto")) {
            return 0;
        }
        var m = SIZE.matcher(v);
        if (!m.matches()) {
            throw error("partitions." + key, "'" + v + "' is not auto or a size like 256M or 2G");
        }
        int shift = switch (m.group(2)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> 0;
        };
        long n = Long.parseLong(m.group(1));
        if (n <= 0 || n > (1L << (62 - shift))) {
            throw error("partitions." + key, "'" + v + "' is out of range");
        }
        return n << shift;
    }

    private int id(JsonNode f, String key, String at) throws InvalidDataException {
        JsonNode n = f.get(key);
        if (n == null) {
            return 0;
        }
        if (!n.canConvertToInt() || n.asInt() < 0) {
            throw error(at + "." + key, "must be a numeric id (0 for root), not '" + n.asText() + "'");
        }
        return n.asInt();
    }

    private int octal(String s, String at) throws InvalidDataException {
        if (!s.matches("0?[0-7]{3,4}")) {
            throw error(at, "'" + s + "' is not an octal mode like \"0644\" (quote it: YAML reads 0644 as a number)");
        }
        return Integer.parseInt(s, 8);
    }

    /** A path relative to the recipe's folder that stays inside it. */
    /**
     * A folder named relative to the recipe; it may lie beside the recipe's folder (the node
     * recipe takes the project's rootfs-overlay/), but an absolute path would make the
     * recipe mean different things on different machines.
     */
    private Path relative(String rel, String at) throws InvalidDataException {
        if (rel.startsWith("/") || rel.startsWith("~")) {
            throw error(at, "'" + rel + "' must be relative to the recipe's folder");
        }
        return file.getParent().resolve(rel).normalize();
    }

    private Path inside(String rel, String at) throws InvalidDataException {
        Path dir = file.getParent();
        Path p = dir.resolve(rel).normalize();
        if (!p.startsWith(dir)) {
            throw error(at, "'" + rel + "' leaves the recipe's folder");
        }
        return p;
    }

    private Path existing(Path p, String at) throws InvalidDataException {
        if (!Files.isRegularFile(p)) {
            throw error(at, "no such file " + p);
        }
        return p;
    }

    private void keys(JsonNode node, String at, Set<String> known) throws InvalidDataException {
        if (!node.isObject()) {
            throw error(at, "must be a mapping");
        }
        Iterator<String> it = node.fieldNames();
        while (it.hasNext()) {
            String k = it.next();
            if (!known.contains(k)) {
                String hint = nearest(k, known);
                throw error(at.isEmpty() ? k : at + "." + k, "unknown key" + (hint == null ? "" : " (did you mean '" + hint + "'?)"));
            }
        }
    }

    private static String nearest(String k, Set<String> known) {
        String best = null;
        int bestD = 3;
        for (String c : known) {
            int d = distance(k, c);
            if (d < bestD) {
                bestD = d;
                best = c;
            }
        }
        return best;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            int[] cur = new int[b.length() + 1];
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            prev = cur;
        }
        return prev[b.length()];
    }

    private JsonNode required(JsonNode node, String key, String at) throws InvalidDataException {
        JsonNode n = node.get(key);
        if (n == null || n.isNull()) {
            throw error(at, "missing");
        }
        return n;
    }

    private String text(JsonNode node, String key, String otherwise) throws InvalidDataException {
        JsonNode n = node.get(key);
        if (n == null || n.isNull()) {
            return otherwise;
        }
        if (!n.isValueNode()) {
            throw error(key, "must be a single value");
        }
        return n.asText();
    }

    private boolean bool(JsonNode node, String key, boolean otherwise) throws InvalidDataException {
        JsonNode n = node.get(key);
        if (n == null || n.isNull()) {
            return otherwise;
        }
        if (!n.isBoolean()) {
            throw error(key, "must be true or false");
        }
        return n.asBoolean();
    }

    private List<String> strings(JsonNode node, String key) throws InvalidDataException {
        JsonNode n = node.get(key);
        List<String> out = new ArrayList<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isArray()) {
            throw error(key, "must be a list");
        }
        for (int i = 0; i < n.size(); i++) {
            if (!n.get(i).isValueNode()) {
                throw error(key + "[" + i + "]", "must be a single value");
            }
            out.add(n.get(i).asText());
        }
        return out;
    }

    private InvalidDataException error(String at, String what) {
        return new InvalidDataException(where + ": " + at + ": " + what);
    }
}
