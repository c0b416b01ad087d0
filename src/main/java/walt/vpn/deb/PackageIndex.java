package walt.vpn.deb;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import walt.vpn.tree.InvalidDataException;

/**
 * The packages a repository offers for one architecture (its own and "all"), by name and by
 * what they provide; several versions of a name are kept, newest first.
 */
public final class PackageIndex {

    private final String arch;
    private final Map<String, List<PackageEntry>> byName = new HashMap<>();
    private final Map<String, List<PackageEntry>> providers = new HashMap<>();

    public PackageIndex(String arch) {
        this.arch = arch;
    }

    public String arch() {
        return arch;
    }

    /** Adds the paragraphs of a Packages file as they are read; {@code where} names it in errors. */
    public void add(BufferedReader packages, String where) throws IOException {
        ControlParagraph.parseEach(packages, where, p -> add(p, where));
    }

    private void add(ControlParagraph p, String where) throws InvalidDataException {
        PackageEntry e = new PackageEntry(p, where);
        if (!e.arch().equals(arch) && !e.arch().equals("all")) {
            return;
        }
        List<PackageEntry> versions = byName.computeIfAbsent(e.name(), k -> new ArrayList<>());
        versions.add(e);
        versions.sort(Comparator.comparing(PackageEntry::version).reversed());
        for (Relation r : e.provides(arch)) {
            providers.computeIfAbsent(r.name(), k -> new ArrayList<>()).add(e);
        }
    }

    /** The versions of {@code name}, newest first; empty when there is none. */
    public List<PackageEntry> versions(String name) {
        return byName.getOrDefault(name, List.of());
    }

    /** Packages providing {@code virtualName}. */
    public List<PackageEntry> providers(String virtualName) {
        return providers.getOrDefault(virtualName, List.of());
    }

    /** The newest version of every package that is Essential or of priority required. */
    public List<PackageEntry> requiredSet() {
        List<PackageEntry> out = new ArrayList<>();
        for (List<PackageEntry> versions : byName.values()) {
            PackageEntry newest = versions.get(0);
            if (newest.essential() || newest.priority().equals("required")) {
                out.add(newest);
            }
        }
        out.sort(Comparator.comparing(PackageEntry::name));
        return out;
    }

    public int size() {
        return byName.size();
    }
}
