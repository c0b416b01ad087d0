package walt.vpn.deb;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import walt.vpn.tree.InvalidDataException;

/**
 * Which packages to install so that the requested ones and everything they need are there,
 * given what a base system already has. Greedy and deterministic, as debootstrap is: a
 * dependency already met (by an installed or chosen package, or a provider of it) costs
 * nothing; otherwise its first alternative that the index can satisfy is taken, a real package
 * before a virtual one, the newest acceptable version. Conflicts and Breaks between the result
 * and the base are reported, never silently resolved.
 */
public final class DependencyResolver {

    private final PackageIndex index;
    private final Map<String, DebianVersion> installed;
    private final Map<String, List<Relation>> installedProvides;

    /**
     * @param installed          packages already in the base, by name
     * @param installedProvides  what each of them provides
     */
    public DependencyResolver(PackageIndex index, Map<String, DebianVersion> installed, Map<String, List<Relation>> installedProvides) {
        this.index = index;
        this.installed = Map.copyOf(installed);
        this.installedProvides = Map.copyOf(installedProvides);
    }

    /** The packages to add for {@code wanted} (plus the required set when asked), sorted by name. */
    public List<PackageEntry> resolve(List<String> wanted, boolean withRequiredSet) throws InvalidDataException {
        Map<String, PackageEntry> chosen = new TreeMap<>();
        Map<String, String> why = new HashMap<>();
        Deque<PackageEntry> todo = new ArrayDeque<>();
        if (withRequiredSet) {
            for (PackageEntry e : index.requiredSet()) {
                if (!installed.containsKey(e.name())) {
                    choose(e, chosen, todo, why, "the required set");
                }
            }
        }
        for (String name : wanted) {
            if (installed.containsKey(name) || chosen.containsKey(name)) {
                continue;
            }
            List<PackageEntry> versions = index.versions(name);
            if (versions.isEmpty()) {
                PackageEntry provider = provider(new Relation(name, null, null), chosen);
                if (provider == null) {
                    throw new InvalidDataException("package " + name + " is not in the repository");
                }
                choose(provider, chosen, todo, why, "provides " + name);
            } else {
                choose(versions.get(0), chosen, todo, why, "requested");
            }
        }
        while (!todo.isEmpty()) {
            PackageEntry e = todo.poll();
            for (List<Relation> clause : e.depends(index.arch())) {
                if (satisfied(clause, chosen)) {
                    continue;
                }
                PackageEntry pick = null;
                for (Relation alt : clause) {
                    pick = candidate(alt, chosen);
                    if (pick != null) {
                        break;
                    }
                }
                if (pick == null) {
                    throw new InvalidDataException(chain(e, why) + " depends on " + describe(clause) + ", which no package in the repository satisfies");
                }
                choose(pick, chosen, todo, why, e.name());
            }
        }
        checkConflicts(chosen);
        List<PackageEntry> out = new ArrayList<>(chosen.values());
        out.sort(Comparator.comparing(PackageEntry::name));
        return out;
    }

    private static void choose(PackageEntry e, Map<String, PackageEntry> chosen, Deque<PackageEntry> todo, Map<String, String> why, String reason) {
        if (chosen.putIfAbsent(e.name(), e) == null) {
            why.put(e.name(), reason);
            todo.add(e);
        }
    }

    private boolean satisfied(List<Relation> clause, Map<String, PackageEntry> chosen) throws InvalidDataException {
        for (Relation r : clause) {
            PackageEntry c = chosen.get(r.name());
            if (c != null && r.accepts(c.version())) {
                return true;
            }
            DebianVersion v = installed.get(r.name());
            if (v != null && r.accepts(v)) {
                return true;
            }
            for (PackageEntry p : chosen.values()) {
                if (providesFor(p.provides(index.arch()), r)) {
                    return true;
                }
            }
            for (List<Relation> provided : installedProvides.values()) {
                if (providesFor(provided, r)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean providesFor(List<Relation> provided, Relation wanted) {
        for (Relation p : provided) {
            // An unversioned Provides satisfies only unversioned dependencies (policy 7.5).
            if (p.name().equals(wanted.name()) && (wanted.op() == null || (p.version() != null && wanted.accepts(p.version())))) {
                return true;
            }
        }
        return false;
    }

    /** The newest version of the package itself that fits, else a provider. */
    private PackageEntry candidate(Relation r, Map<String, PackageEntry> chosen) throws InvalidDataException {
        if (chosen.containsKey(r.name()) || installed.containsKey(r.name())) {
            return null; // there, but in a version that does not fit: no second version can be added
        }
        for (PackageEntry e : index.versions(r.name())) {
            if (r.accepts(e.version())) {
                return e;
            }
        }
        return provider(r, chosen);
    }

    /** A provider of {@code r}: one of priority required or important first, then by name. */
    private PackageEntry provider(Relation r, Map<String, PackageEntry> chosen) throws InvalidDataException {
        List<PackageEntry> ok = new ArrayList<>();
        for (PackageEntry p : index.providers(r.name())) {
            if (index.versions(p.name()).get(0) == p && providesFor(p.provides(index.arch()), r)) {
                ok.add(p);
            }
        }
        ok.sort(Comparator.comparing((PackageEntry p) -> rank(p.priority())).thenComparing(PackageEntry::name));
        return ok.isEmpty() ? null : ok.get(0);
    }

    private static int rank(String priority) {
        return switch (priority) {
            case "required" -> 0;
            case "important" -> 1;
            case "standard" -> 2;
            default -> 3;
        };
    }

    private void checkConflicts(Map<String, PackageEntry> chosen) throws InvalidDataException {
        for (PackageEntry e : chosen.values()) {
            for (List<Relation> clause : e.conflicts(index.arch())) {
                for (Relation r : clause) {
                    if (r.name().equals(e.name())) {
                        continue;
                    }
                    PackageEntry other = chosen.get(r.name());
                    if (other != null && r.accepts(other.version())) {
                        throw new InvalidDataException(e + " conflicts with " + other + " (" + r + "), both needed");
                    }
                    DebianVersion base = installed.get(r.name());
                    if (base != null && r.accepts(base)) {
                        throw new InvalidDataException(e + " conflicts with " + r.name() + " " + base + " of the base image (" + r + ")");
                    }
                }
            }
        }
    }

    private static String chain(PackageEntry e, Map<String, String> why) {
        List<String> path = new ArrayList<>();
        String n = e.name();
        for (int i = 0; i < 50 && n != null; i++) {
            path.add(0, n);
            String r = why.get(n);
            n = r != null && why.containsKey(r) && !path.contains(r) ? r : null;
        }
        return String.join(" -> ", path);
    }

    private static String describe(List<Relation> clause) {
        List<String> s = new ArrayList<>();
        for (Relation r : clause) {
            s.add(r.toString());
        }
        return String.join(" | ", s);
    }
}
