package walt.vpn.deb;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import walt.vpn.tree.BytesContent;
import walt.vpn.tree.Directory;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.InvalidDataException;
import walt.vpn.tree.Metadata;
import walt.vpn.tree.Node;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.Timestamp;

/**
 * dpkg's database ({@code /var/lib/dpkg}) of a target tree: what the tree already has (its
 * status file, file lists and diversions, kept as they are) plus the packages unpacked into it
 * at build time, written back so that the target's own dpkg sees those as {@code unpacked}.
 */
public final class DpkgDatabase {

    static final String ADMIN = "/var/lib/dpkg";
    static final String INFO = ADMIN + "/info";

    /** Control members that are programs dpkg runs; everything else in info/ is data. */
    static final Set<String> SCRIPTS = Set.of("preinst", "postinst", "prerm", "postrm", "config");

    private final List<StatusParagraph> existing;
    private final Map<String, StatusParagraph> existingByInfoName = new LinkedHashMap<>();
    /** Logical path to the info names of the packages whose lists hold it. */
    private final Map<String, Set<String>> owners = new HashMap<>();
    /** Lists of base packages that lost files to a package that Replaces them. */
    private final Map<String, List<String>> rewrittenLists = new TreeMap<>();
    private final Map<String, String> diversions;
    private final Map<String, UnpackedPackage> unpacked = new LinkedHashMap<>();
    private final Map<String, StatOverride> statOverrides;

    /** A {@code dpkg-statoverride} entry: owner and mode dpkg gives a path whatever a package says. */
    record StatOverride(int uid, int gid, int mode) {
    }

    private DpkgDatabase(List<StatusParagraph> existing, Map<String, String> diversions, Map<String, StatOverride> statOverrides) {
        this.existing = existing;
        this.diversions = diversions;
        this.statOverrides = statOverrides;
    }

    /** Reads the database of {@code tree}; an empty one when the tree has none (a new base). */
    public static DpkgDatabase read(FileTree tree) throws IOException {
        List<StatusParagraph> status = new ArrayList<>();
        byte[] statusBytes = fileBytes(tree, ADMIN + "/status");
        if (statusBytes != null) {
            status = StatusParagraph.parseAll(new String(statusBytes, StandardCharsets.UTF_8), ADMIN + "/status");
        }
        DpkgDatabase db = new DpkgDatabase(status, readDiversions(tree), readStatOverrides(tree));
        for (StatusParagraph p : status) {
            String pkg = p.first("Package");
            if (pkg.isEmpty()) {
                throw new InvalidDataException(ADMIN + "/status: a paragraph has no Package field");
            }
            String infoName = infoName(pkg, p.first("Architecture"), p.first("Multi-Arch"));
            db.existingByInfoName.put(infoName, p);
            byte[] list = fileBytes(tree, INFO + "/" + infoName + ".list");
            if (list != null) {
                for (String line : new String(list, StandardCharsets.UTF_8).split("\n")) {
                    if (!line.isEmpty()) {
                        db.owners.computeIfAbsent(line, k -> new LinkedHashSet<>()).add(infoName);
                    }
                }
            }
        }
        return db;
    }

    static String infoName(String pkg, String arch, String multiArch) {
        return multiArch.equals("same") && !arch.isEmpty() ? pkg + ":" + arch : pkg;
    }

    private static byte[] fileBytes(FileTree tree, String path) throws IOException {
        TargetPath t = TargetPath.resolve(tree, path, true);
        if (t.node() == null) {
            return null;
        }
        if (!(t.node() instanceof RegularFile f)) {
            throw new InvalidDataException(path + " in the target is not a regular file");
        }
        return f.content().readAll();
    }

    /** Diversions file: three lines per entry (from, to, package); ":" as package means local. */
    private static Map<String, String> readDiversions(FileTree tree) throws IOException {
        byte[] b = fileBytes(tree, ADMIN + "/diversions");
        Map<String, String> out = new LinkedHashMap<>();
        if (b == null) {
            return out;
        }
        String[] lines = new String(b, StandardCharsets.UTF_8).split("\n");
        int n = lines.length;
        while (n > 0 && lines[n - 1].isEmpty()) {
            n--;
        }
        if (n % 3 != 0) {
            throw new InvalidDataException(ADMIN + "/diversions: not a whole number of three-line entries");
        }
        for (int i = 0; i < n; i += 3) {
            out.put(lines[i], lines[i + 1] + "\n" + lines[i + 2]);
        }
        return out;
    }

    /**
     * {@code statoverride}: {@code USER GROUP MODE PATH} a line, owners by name (looked up in the
     * target's /etc/passwd and /etc/group, as dpkg in the target would) or {@code #ID}.
     */
    private static Map<String, StatOverride> readStatOverrides(FileTree tree) throws IOException {
        Map<String, StatOverride> out = new LinkedHashMap<>();
        byte[] b = fileBytes(tree, ADMIN + "/statoverride");
        if (b == null) {
            return out;
        }
        Map<String, Integer> users = null;
        Map<String, Integer> groups = null;
        for (String line : new String(b, StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] w = line.strip().split("\\s+", 4);
            if (w.length != 4 || !w[2].matches("[0-7]{1,4}") || !w[3].startsWith("/")) {
                throw new InvalidDataException(ADMIN + "/statoverride: bad line '" + line + "'");
            }
            if (users == null) {
                users = accounts(tree, "/etc/passwd");
                groups = accounts(tree, "/etc/group");
            }
            out.put(w[3], new StatOverride(id(w[0], users, "user", line), id(w[1], groups, "group", line), Integer.parseInt(w[2], 8)));
        }
        return out;
    }

    private static int id(String word, Map<String, Integer> names, String kind, String line) throws InvalidDataException {
        if (word.startsWith("#") && word.substring(1).matches("\\d{1,10}")) {
            return (int) Long.parseLong(word.substring(1));
        }
        Integer id = names.get(word);
        if (id == null) {
            throw new InvalidDataException(ADMIN + "/statoverride: unknown " + kind + " '" + word + "' in the target (line '" + line + "')");
        }
        return id;
    }

    private static Map<String, Integer> accounts(FileTree tree, String path) throws IOException {
        Map<String, Integer> out = new HashMap<>();
        byte[] b = fileBytes(tree, path);
        if (b != null) {
            for (String line : new String(b, StandardCharsets.UTF_8).split("\n")) {
                String[] f = line.split(":");
                if (f.length >= 3 && f[2].matches("\\d{1,10}")) {
                    out.putIfAbsent(f[0], (int) Long.parseLong(f[2]));
                }
            }
        }
        return out;
    }

    /** The stat override of a (logical) path, or null. */
    StatOverride statOverride(String path) {
        return statOverrides.get(path);
    }

    /**
     * Where a package's file at {@code path} goes: the diversion's target when another package
     * (or the local admin) diverted it, the path itself otherwise.
     */
    String divertedPath(String path, String pkgName) {
        String d = diversions.get(path);
        if (d == null) {
            return path;
        }
        String[] toAndOwner = d.split("\n", 2);
        return toAndOwner[1].equals(pkgName) ? path : toAndOwner[0];
    }

    /** The status paragraph of an already present package by info name, or null. */
    StatusParagraph existing(String infoName) {
        return existingByInfoName.get(infoName);
    }

    /**
     * The packages of the status file whose files are there (every state but
     * {@code not-installed} and {@code config-files}) and that are of {@code arch} or
     * {@code all}: another architecture's package satisfies no dependency of ours.
     */
    InstalledPackages installed(String arch) throws InvalidDataException {
        Map<String, DebianVersion> versions = new HashMap<>();
        Map<String, List<Relation>> provides = new HashMap<>();
        for (StatusParagraph p : existing) {
            String state = p.first("Status").replaceFirst(".*\\s", "");
            String a = p.first("Architecture");
            if (state.equals("not-installed") || state.equals("config-files") || !(a.equals(arch) || a.equals("all"))) {
                continue;
            }
            String name = p.first("Package");
            versions.put(name, DebianVersion.parse(p.first("Version")));
            provides.put(name, Relation.parseField(p.get("Provides"), arch, ADMIN + "/status: " + name).stream()
                    .flatMap(List::stream).toList());
        }
        return new InstalledPackages(versions, provides);
    }

    /** Any status paragraph (base or unpacked now) of a package named {@code pkg}. */
    List<String> presentVersions(String pkg) {
        List<String> out = new ArrayList<>();
        for (StatusParagraph p : existing) {
            if (p.first("Package").equals(pkg) && !p.first("Status").endsWith("not-installed")) {
                out.add(p.first("Version") + " (" + p.first("Architecture") + ", " + p.first("Status") + ")");
            }
        }
        return out;
    }

    /** Info names of the packages whose file lists hold {@code path}. */
    Set<String> owners(String path) {
        return owners.getOrDefault(path, Set.of());
    }

    /** {@code pkg} takes {@code path} over from {@code from}, as dpkg does for Replaces. */
    void transferOwnership(String path, String from, String to) {
        Set<String> o = owners.get(path);
        if (o != null) {
            o.remove(from);
        }
        UnpackedPackage fromNew = unpacked.get(from);
        if (fromNew != null) {
            List<String> paths = new ArrayList<>(fromNew.paths());
            paths.remove(path);
            unpacked.put(from, new UnpackedPackage(fromNew.name(), fromNew.arch(), fromNew.version(), fromNew.multiArchSame(),
                    fromNew.control(), paths, fromNew.md5sums(), fromNew.conffiles(), fromNew.controlMembers()));
        } else {
            rewrittenLists.computeIfAbsent(from, k -> new ArrayList<>()).add(path);
        }
        owners.computeIfAbsent(path, k -> new LinkedHashSet<>()).add(to);
    }

    void claim(String path, String infoName) {
        owners.computeIfAbsent(path, k -> new LinkedHashSet<>()).add(infoName);
    }

    void addUnpacked(UnpackedPackage p) {
        unpacked.put(p.infoName(), p);
        for (String path : p.paths()) {
            claim(path, p.infoName());
        }
    }

    /** The packages unpacked so far, in unpack order. */
    public List<UnpackedPackage> unpacked() {
        return List.copyOf(unpacked.values());
    }

    /**
     * Writes the database into {@code tree}: the status file (base paragraphs as read, new ones
     * with {@code Status: install ok unpacked}), each new package's info files, the rewritten
     * lists of base packages that lost files, trigger interests, and the files dpkg expects to
     * exist ({@code available}, {@code diversions}, {@code statoverride}, {@code arch},
     * {@code info/format}, {@code triggers/}, {@code updates/}, {@code alternatives/}, locks).
     */
    public void writeTo(FileTree tree, String nativeArch, Timestamp time) throws IOException {
        Metadata dirMeta = Metadata.of(0755, time);
        for (String d : List.of(ADMIN, INFO, ADMIN + "/updates", ADMIN + "/triggers", ADMIN + "/alternatives", ADMIN + "/parts")) {
            ensureDirectory(tree, d, dirMeta);
        }
        activateBaseTriggers(tree);
        put(tree, ADMIN + "/status", renderStatus(), 0644, time);
        for (UnpackedPackage p : unpacked.values()) {
            String base = INFO + "/" + p.infoName();
            put(tree, base + ".list", String.join("\n", p.paths()) + "\n", 0644, time);
            put(tree, base + ".md5sums", p.md5sums(), 0644, time);
            for (DebArchive.ControlMember m : p.controlMembers().values().stream()
                    .sorted(Comparator.comparing(DebArchive.ControlMember::name)).toList()) {
                if (m.name().equals("control") || m.name().equals("md5sums")) {
                    continue;
                }
                int mode = SCRIPTS.contains(m.name()) ? 0755 : 0644;
                putBytes(tree, base + "." + m.name(), m.bytes(), mode, time);
            }
        }
        for (Map.Entry<String, List<String>> e : rewrittenLists.entrySet()) {
            byte[] old = fileBytes(tree, INFO + "/" + e.getKey() + ".list");
            if (old == null) {
                continue;
            }
            Set<String> lost = Set.copyOf(e.getValue());
            StringBuilder sb = new StringBuilder();
            for (String line : new String(old, StandardCharsets.UTF_8).split("\n")) {
                if (!line.isEmpty() && !lost.contains(line)) {
                    sb.append(line).append('\n');
                }
            }
            put(tree, INFO + "/" + e.getKey() + ".list", sb.toString(), 0644, time);
        }
        writeTriggerInterests(tree, time);
        putIfAbsent(tree, INFO + "/format", "1\n", 0644, time);
        putIfAbsent(tree, ADMIN + "/available", "", 0644, time);
        putIfAbsent(tree, ADMIN + "/diversions", "", 0644, time);
        putIfAbsent(tree, ADMIN + "/statoverride", "", 0644, time);
        putIfAbsent(tree, ADMIN + "/arch", nativeArch + "\n", 0644, time);
        putIfAbsent(tree, ADMIN + "/lock", "", 0640, time);
        putIfAbsent(tree, ADMIN + "/lock-frontend", "", 0640, time);
        putIfAbsent(tree, ADMIN + "/triggers/Lock", "", 0600, time);
        putIfAbsent(tree, ADMIN + "/triggers/Unincorp", "", 0644, time);
    }

    /**
     * What dpkg's unpack does for packages already configured in the base: a file trigger they
     * are interested in (by {@code triggers/File}) fires when a new package ships a file under
     * its path, a named one when a new package's triggers file activates it; they become
     * {@code triggers-pending}, which {@code dpkg --configure -a} processes at first boot.
     * Packages that are only unpacked need nothing: their postinst runs anyway.
     */
    private void activateBaseTriggers(FileTree tree) throws IOException {
        Map<String, Set<String>> pending = new TreeMap<>();
        byte[] fileInterests = fileBytes(tree, ADMIN + "/triggers/File");
        if (fileInterests != null) {
            for (String line : new String(fileInterests, StandardCharsets.UTF_8).split("\n")) {
                String[] w = line.strip().split("\\s+");
                if (w.length != 2) {
                    continue;
                }
                String path = w[0];
                String pkg = w[1].replace("/noawait", "");
                for (UnpackedPackage u : unpacked.values()) {
                    if (u.paths().stream().anyMatch(p -> p.equals(path) || p.startsWith(path + "/"))) {
                        pending.computeIfAbsent(pkg, k -> new LinkedHashSet<>()).add(path);
                        break;
                    }
                }
            }
        }
        for (UnpackedPackage u : unpacked.values()) {
            DebArchive.ControlMember t = u.controlMembers().get("triggers");
            if (t == null) {
                continue;
            }
            for (String raw : t.text().split("\n")) {
                String[] w = raw.strip().split("\\s+");
                if (w.length != 2 || !w[0].startsWith("activate") || w[1].startsWith("/") || !w[1].matches("[!-~]+")) {
                    continue;
                }
                byte[] interested = fileBytes(tree, ADMIN + "/triggers/" + w[1]);
                if (interested == null) {
                    continue;
                }
                for (String line : new String(interested, StandardCharsets.UTF_8).split("\n")) {
                    if (!line.isBlank()) {
                        pending.computeIfAbsent(line.strip().replace("/noawait", ""), k -> new LinkedHashSet<>()).add(w[1]);
                    }
                }
            }
        }
        for (Map.Entry<String, Set<String>> e : pending.entrySet()) {
            StatusParagraph p = existingByInfoName.get(e.getKey());
            if (p == null || !p.first("Status").endsWith(" installed") && !p.first("Status").endsWith(" triggers-pending")) {
                continue;
            }
            Set<String> all = new LinkedHashSet<>(List.of(p.first("Triggers-Pending").split("\\s+")));
            all.remove("");
            all.addAll(e.getValue());
            String want = p.first("Status").replaceFirst(" (installed|triggers-pending)$", " triggers-pending");
            StatusParagraph updated = p.with("Status", want).with("Triggers-Pending", String.join(" ", all));
            existing.set(existing.indexOf(p), updated);
            existingByInfoName.put(e.getKey(), updated);
        }
    }

    String renderStatus() {
        List<StatusParagraph> all = new ArrayList<>();
        Set<String> replaced = unpacked.keySet();
        for (StatusParagraph p : existing) {
            String key = infoName(p.first("Package"), p.first("Architecture"), p.first("Multi-Arch"));
            if (!replaced.contains(key)) {
                all.add(p);
            }
        }
        for (UnpackedPackage u : unpacked.values()) {
            all.add(u.control());
        }
        // dpkg keeps its status file sorted by package then architecture; so do we.
        all.sort(Comparator.comparing((StatusParagraph p) -> p.first("Package")).thenComparing(p -> p.first("Architecture")));
        StringBuilder sb = new StringBuilder();
        for (StatusParagraph p : all) {
            sb.append(p.render()).append('\n');
        }
        return sb.toString();
    }

    /**
     * dpkg records trigger interests at unpack time: file triggers in {@code triggers/File}
     * ({@code PATH PACKAGE[/noawait]}), named ones in {@code triggers/NAME}. Existing lines stay.
     */
    private void writeTriggerInterests(FileTree tree, Timestamp time) throws IOException {
        Map<String, LinkedHashSet<String>> files = new TreeMap<>();
        for (UnpackedPackage p : unpacked.values()) {
            DebArchive.ControlMember t = p.controlMembers().get("triggers");
            if (t == null) {
                continue;
            }
            for (String raw : t.text().split("\n")) {
                String line = raw.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] w = line.split("\\s+");
                if (w.length != 2 || !w[0].startsWith("interest")) {
                    continue;
                }
                String suffix = w[0].equals("interest-noawait") ? "/noawait" : "";
                String trigger = w[1];
                if (trigger.startsWith("/")) {
                    files.computeIfAbsent("File", k -> new LinkedHashSet<>()).add(trigger + " " + p.infoName() + suffix);
                } else if (trigger.matches("[!-~&&[^/]]+")) {
                    files.computeIfAbsent(trigger, k -> new LinkedHashSet<>()).add(p.infoName() + suffix);
                } else {
                    throw new InvalidDataException(p.infoName() + ": bad trigger name in its triggers file: " + trigger);
                }
            }
        }
        putIfAbsent(tree, ADMIN + "/triggers/File", "", 0644, time);
        for (Map.Entry<String, LinkedHashSet<String>> e : files.entrySet()) {
            String path = ADMIN + "/triggers/" + e.getKey();
            byte[] old = fileBytes(tree, path);
            LinkedHashSet<String> lines = new LinkedHashSet<>();
            if (old != null) {
                for (String l : new String(old, StandardCharsets.UTF_8).split("\n")) {
                    if (!l.isEmpty()) {
                        lines.add(l);
                    }
                }
            }
            lines.addAll(e.getValue());
            put(tree, path, String.join("\n", lines) + "\n", 0644, time);
        }
    }

    static void ensureDirectory(FileTree tree, String path, Metadata meta) throws InvalidDataException {
        TargetPath t = TargetPath.resolve(tree, path, true);
        if (t.node() instanceof Directory) {
            return;
        }
        if (t.node() != null || t.blockedBy() != null) {
            throw new InvalidDataException("cannot create directory " + path + " in the target: "
                    + (t.blockedBy() != null ? t.blockedBy() : t.physical()) + " is not a directory");
        }
        String parent = path.substring(0, Math.max(1, path.lastIndexOf('/')));
        ensureDirectory(tree, parent, meta);
        TargetPath p = TargetPath.resolve(tree, path, false);
        p.parent().put(p.name(), new Directory(meta));
    }

    static void put(FileTree tree, String path, String text, int mode, Timestamp time) throws InvalidDataException {
        putBytes(tree, path, text.getBytes(StandardCharsets.UTF_8), mode, time);
    }

    static void putBytes(FileTree tree, String path, byte[] bytes, int mode, Timestamp time) throws InvalidDataException {
        String parent = path.substring(0, Math.max(1, path.lastIndexOf('/')));
        ensureDirectory(tree, parent, Metadata.of(0755, time));
        TargetPath t = TargetPath.resolve(tree, path, false);
        if (t.parent() == null || t.node() instanceof Directory) {
            throw new InvalidDataException("cannot write " + path + " in the target: "
                    + (t.node() instanceof Directory ? "a directory is there" : "its parent is not a directory"));
        }
        t.parent().put(t.name(), new RegularFile(Metadata.of(mode, time), new BytesContent(bytes)));
    }

    static void putIfAbsent(FileTree tree, String path, String text, int mode, Timestamp time) throws InvalidDataException {
        Node n = TargetPath.resolve(tree, path, true).node();
        if (n == null) {
            put(tree, path, text, mode, time);
        }
    }
}
