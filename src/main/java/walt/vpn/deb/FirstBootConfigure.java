package walt.vpn.deb;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.InvalidDataException;
import walt.vpn.tree.Metadata;
import walt.vpn.tree.Symlink;
import walt.vpn.tree.Timestamp;

/**
 * What the first boot needs to finish the install of unpacked packages: the script
 * ({@value #SCRIPT}; its header says why the {@code init=} form is the one for from-scratch
 * bases), the systemd unit that runs it on bases whose systemd already works, and its state:
 * {@code pending} (present while work remains) and {@code preinst}, one line per unpacked
 * package in dependency order, {@code NAME ARCH INFONAME}, whose {@code preinst install} runs
 * before {@code dpkg --configure -a}.
 */
public final class FirstBootConfigure {

    /** The script; as PID 1 it is {@code init=} on the kernel command line. */
    public static final String SCRIPT = "/usr/lib/walt-vpn/first-boot-configure";
    public static final String UNIT = "/usr/lib/systemd/system/walt-vpn-first-boot.service";
    public static final String UNIT_WANTS_LINK = "/etc/systemd/system/sysinit.target.wants/walt-vpn-first-boot.service";
    public static final String STATE = "/var/lib/walt-vpn/first-boot";

    /** What cmdline.txt needs to run the script before init. */
    public static final String KERNEL_ARGUMENT = "init=" + SCRIPT;

    private FirstBootConfigure() {
    }

    /** Writes the script, the unit (enabled) and the state for {@code packages} into {@code tree}. */
    public static void writeTo(FileTree tree, List<UnpackedPackage> packages, Timestamp time) throws IOException {
        DpkgDatabase.putBytes(tree, SCRIPT, resource("first-boot-configure.sh"), 0755, time);
        DpkgDatabase.putBytes(tree, UNIT, resource("walt-vpn-first-boot.service"), 0644, time);
        String wantsDir = UNIT_WANTS_LINK.substring(0, UNIT_WANTS_LINK.lastIndexOf('/'));
        DpkgDatabase.ensureDirectory(tree, wantsDir, Metadata.of(0755, time));
        TargetPath link = TargetPath.resolve(tree, UNIT_WANTS_LINK, false);
        link.parent().put(link.name(), new Symlink(Metadata.of(0777, time), UNIT));

        // Packages unpacked by an earlier call into the same tree stay pending, before these.
        StringBuilder order = new StringBuilder();
        TargetPath earlier = TargetPath.resolve(tree, STATE + "/preinst", true);
        if (earlier.node() instanceof walt.vpn.tree.RegularFile f) {
            order.append(new String(f.content().readAll(), java.nio.charset.StandardCharsets.UTF_8));
        }
        for (UnpackedPackage p : preinstOrder(packages)) {
            // The script reads these words with `read`: they must be plain words.
            for (String word : List.of(p.name(), p.arch(), p.infoName())) {
                if (!word.matches("[a-z0-9][a-z0-9+.:-]*")) {
                    throw new InvalidDataException(p.infoName() + ": name not safe for the first-boot script: " + word);
                }
            }
            order.append(p.name()).append(' ').append(p.arch()).append(' ').append(p.infoName()).append('\n');
        }
        DpkgDatabase.put(tree, STATE + "/preinst", order.toString(), 0644, time);
        DpkgDatabase.put(tree, STATE + "/pending",
                "packages unpacked at build time wait for their maintainer scripts; " + SCRIPT + " removes this file\n",
                0644, time);
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = FirstBootConfigure.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("resource missing from the build: " + name);
            }
            return in.readAllBytes();
        }
    }

    /**
     * The packages with every package they (pre-)depend on before them, where both are in
     * {@code packages}; alternatives and virtual packages count when some package of the set
     * satisfies them (version constraints are not looked at: any order among the set is
     * allowed by them). Cycles are broken where they close, keeping the input order otherwise.
     */
    static List<UnpackedPackage> preinstOrder(List<UnpackedPackage> packages) {
        Map<String, List<UnpackedPackage>> byName = new LinkedHashMap<>();
        for (UnpackedPackage p : packages) {
            byName.computeIfAbsent(p.name(), k -> new ArrayList<>()).add(p);
        }
        for (UnpackedPackage p : packages) {
            for (String provided : names(p.control().get("Provides"))) {
                byName.computeIfAbsent(provided, k -> new ArrayList<>()).add(p);
            }
        }
        Map<UnpackedPackage, List<UnpackedPackage>> deps = new IdentityHashMap<>();
        for (UnpackedPackage p : packages) {
            List<UnpackedPackage> d = new ArrayList<>();
            for (String field : List.of("Pre-Depends", "Depends")) {
                for (String name : names(p.control().get(field))) {
                    d.addAll(byName.getOrDefault(name, List.of()));
                }
            }
            deps.put(p, d);
        }
        List<UnpackedPackage> out = new ArrayList<>();
        Set<UnpackedPackage> done = Collections.newSetFromMap(new IdentityHashMap<>());
        Set<UnpackedPackage> onPath = Collections.newSetFromMap(new IdentityHashMap<>());
        for (UnpackedPackage p : packages) {
            visit(p, deps, done, onPath, out);
        }
        return out;
    }

    private static void visit(UnpackedPackage p, Map<UnpackedPackage, List<UnpackedPackage>> deps,
                              Set<UnpackedPackage> done, Set<UnpackedPackage> onPath, List<UnpackedPackage> out) {
        if (done.contains(p) || !onPath.add(p)) {
            return;
        }
        for (UnpackedPackage d : deps.get(p)) {
            visit(d, deps, done, onPath, out);
        }
        onPath.remove(p);
        done.add(p);
        out.add(p);
    }

    /** Every package name a relationship field mentions, alternatives included. */
    static List<String> names(String field) {
        List<String> out = new ArrayList<>();
        if (field == null) {
            return out;
        }
        for (String clause : field.replace('\n', ' ').split("[,|]")) {
            String name = clause.strip().split("[\\s(\\[<]", 2)[0];
            int colon = name.indexOf(':');
            if (colon >= 0) {
                name = name.substring(0, colon);
            }
            if (!name.isEmpty()) {
                out.add(name);
            }
        }
        return out;
    }
}
