package walt.vpn.image.boot;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import walt.vpn.tree.Directory;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.InvalidDataException;
import walt.vpn.tree.Node;
import walt.vpn.tree.RegularFile;

/**
 * The modules of one kernel version in a root tree ({@code /usr/lib/modules/KVER}), and the
 * order to load a set of them in, worked out from each module's own {@code .modinfo} the way
 * depmod and modprobe would: hard dependencies first, {@code softdep} pre-modules before and
 * post-modules after, when they exist. A soft dependency may name an alias
 * ({@code crypto-crc32c}); aliases are looked up among the crypto modules, which is where
 * softdeps point.
 */
public final class KernelModules {

    private static final int MAX_FILE = 64 << 20;

    private final String version;
    private final String root;
    private final Map<String, String> pathOf = new TreeMap<>();
    private final Set<String> builtin = new HashSet<>();
    private final Map<String, ModuleInfo> infoCache = new HashMap<>();
    private final FileTree tree;
    private Map<String, String> cryptoAliases;

    private KernelModules(FileTree tree, String version, String root) {
        this.tree = tree;
        this.version = version;
        this.root = root;
    }

    /** The modules of kernel {@code version} in {@code tree}. */
    public static KernelModules of(FileTree tree, String version) throws IOException {
        for (String base : List.of("/usr/lib/modules/", "/lib/modules/")) {
            if (tree.lookup(base + version) instanceof Directory d) {
                KernelModules km = new KernelModules(tree, version, base + version);
                km.index(d, base + version);
                if (tree.lookup(base + version + "/modules.builtin") instanceof RegularFile f) {
                    for (String line : read(f, base + version + "/modules.builtin").split("\n")) {
                        String name = line.substring(line.lastIndexOf('/') + 1);
                        if (name.endsWith(".ko")) {
                            km.builtin.add(ModuleInfo.canonical(name.substring(0, name.length() - 3)));
                        }
                    }
                }
                return km;
            }
        }
        throw new InvalidDataException("no modules for kernel " + version + " under /usr/lib/modules");
    }

    public String version() {
        return version;
    }

    /** The tree path of module {@code name}'s file, or null when there is no such module. */
    public String path(String name) {
        return pathOf.get(ModuleInfo.canonical(name));
    }

    /**
     * The module files to load, in order, for {@code wanted} and everything they need. A module
     * built into the kernel needs no loading and is left out.
     */
    public List<String> loadOrder(List<String> wanted) throws IOException {
        LinkedHashMap<String, String> order = new LinkedHashMap<>();
        for (String w : wanted) {
            String name = ModuleInfo.canonical(w);
            if (!pathOf.containsKey(name) && !builtin.contains(name)) {
                throw new InvalidDataException("kernel " + version + " has no module " + w);
            }
            visit(name, order, new ArrayList<>(), false);
        }
        return List.copyOf(order.values());
    }

    private void visit(String name, LinkedHashMap<String, String> order, List<String> chain, boolean soft) throws IOException {
        String resolved = pathOf.containsKey(name) ? name : null;
        if (resolved == null && builtin.contains(name)) {
            return;
        }
        if (resolved == null) {
            resolved = aliasTarget(name);
        }
        if (resolved == null) {
            if (soft) {
                return; // a soft dependency is loaded only where it exists
            }
            throw new InvalidDataException("kernel " + version + ": module " + String.join(" -> ", chain) + " needs " + name + ", which does not exist");
        }
        if (order.containsKey(resolved)) {
            return;
        }
        if (chain.contains(resolved)) {
            throw new InvalidDataException("kernel " + version + ": modules depend on each other in a loop: " + String.join(" -> ", chain) + " -> " + resolved);
        }
        chain.add(resolved);
        ModuleInfo info = info(resolved);
        for (String pre : info.softPre()) {
            visit(pre, order, chain, true);
        }
        for (String dep : info.depends()) {
            visit(dep, order, chain, false);
        }
        order.put(resolved, pathOf.get(resolved));
        for (String post : info.softPost()) {
            visit(post, order, chain, true);
        }
        chain.remove(chain.size() - 1);
    }

    private ModuleInfo info(String name) throws IOException {
        ModuleInfo cached = infoCache.get(name);
        if (cached != null) {
            return cached;
        }
        String path = pathOf.get(name);
        ModuleInfo info = ModuleInfo.parse(path, bytes(path));
        infoCache.put(name, info);
        return info;
    }

    /** The module an alias names, preferring the portable "_generic" implementation. */
    private String aliasTarget(String alias) throws IOException {
        if (cryptoAliases == null) {
            cryptoAliases = new TreeMap<>();
            for (Map.Entry<String, String> e : pathOf.entrySet()) {
                if (!e.getValue().contains("/crypto/")) {
                    continue;
                }
                for (String a : info(e.getKey()).aliases()) {
                    String known = cryptoAliases.get(a);
                    if (known == null || (!known.endsWith("_generic") && e.getKey().endsWith("_generic"))) {
                        cryptoAliases.put(a, e.getKey());
                    }
                }
            }
        }
        return cryptoAliases.get(ModuleInfo.canonical(alias));
    }

    private void index(Directory dir, String path) {
        for (Map.Entry<String, Node> e : dir.children().entrySet()) {
            String p = path + "/" + e.getKey();
            if (e.getValue() instanceof Directory d) {
                index(d, p);
            } else if (e.getValue() instanceof RegularFile && isModule(e.getKey())) {
                String name = ModuleInfo.canonical(e.getKey().substring(0, e.getKey().indexOf(".ko")));
                pathOf.putIfAbsent(name, p);
            }
        }
    }

    private static boolean isModule(String fileName) {
        return fileName.endsWith(".ko") || fileName.endsWith(".ko.xz");
    }

    private byte[] bytes(String path) throws IOException {
        RegularFile f = (RegularFile) tree.lookup(path);
        if (f.content().size() > MAX_FILE) {
            throw new InvalidDataException(path + ": larger than " + (MAX_FILE >> 20) + " MiB, not a kernel module");
        }
        try (InputStream in = Channels.newInputStream(f.content().open())) {
            return in.readAllBytes();
        }
    }

    private static String read(RegularFile f, String path) throws IOException {
        if (f.content().size() > MAX_FILE) {
            throw new InvalidDataException(path + ": too large");
        }
        try (InputStream in = Channels.newInputStream(f.content().open())) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The root tree the modules are in. */
    public FileTree tree() {
        return tree;
    }

    /** Where the modules are in the tree, {@code /usr/lib/modules/KVER}. */
    public String directory() {
        return root;
    }
}
