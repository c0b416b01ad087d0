package walt.vpn.deb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import walt.vpn.tree.InvalidDataException;

/** Resolution against Debian 13's real arm64 index, read through the signed repository client. */
class DependencyResolverTest {

    private static PackageIndex index;

    @BeforeAll
    static void load() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(AptSource.DEBIAN_KEYRING), "debian-archive-keyring is not installed");
        AptSource trixie = new AptSource(AptSource.DEBIAN, "trixie", List.of("main"), "arm64", AptSource.DEBIAN_KEYRING);
        Path cache = HostAptPackages.cacheDir().resolveSibling("apt-cache");
        try {
            index = new AptRepository(trixie, cache, false).index();
        } catch (java.io.IOException e) {
            if (e.getMessage().startsWith("cannot fetch")) {
                index = new AptRepository(trixie, cache, true).index(); // the mirror is down: a warm cache still works
            } else {
                throw e;
            }
        }
    }

    /** Checks, without the resolver's code paths, that every dependency of the set is met inside it. */
    private static void assertClosed(List<PackageEntry> set, Map<String, DebianVersion> base) throws Exception {
        Map<String, DebianVersion> have = new HashMap<>(base);
        Map<String, List<Relation>> provided = new HashMap<>();
        for (PackageEntry e : set) {
            have.put(e.name(), e.version());
            for (Relation p : e.provides("arm64")) {
                provided.computeIfAbsent(p.name(), k -> new java.util.ArrayList<>()).add(p);
            }
        }
        for (PackageEntry e : set) {
            for (List<Relation> clause : e.depends("arm64")) {
                boolean ok = false;
                for (Relation r : clause) {
                    if (have.containsKey(r.name()) && r.accepts(have.get(r.name()))) {
                        ok = true;
                    }
                    for (Relation p : provided.getOrDefault(r.name(), List.of())) {
                        if (r.op() == null || (p.version() != null && r.accepts(p.version()))) {
                            ok = true;
                        }
                    }
                }
                assertTrue(ok, e + " needs " + clause + ", not met by the resolved set");
            }
        }
    }

    @Test
    void aBaseSystemWithSshIsClosedAndHoldsTheRequiredSet() throws Exception {
        DependencyResolver r = new DependencyResolver(index, Map.of(), Map.of());
        List<PackageEntry> set = r.resolve(List.of("systemd", "openssh-server", "iproute2"), true);
        assertClosed(set, Map.of());
        Set<String> names = set.stream().map(PackageEntry::name).collect(Collectors.toSet());
        for (PackageEntry req : index.requiredSet()) {
            assertTrue(names.contains(req.name()), "required " + req.name());
        }
        assertTrue(names.containsAll(List.of("systemd", "openssh-server", "iproute2", "libc6", "dpkg")), names.toString());
        assertEquals(set.stream().map(PackageEntry::name).sorted().toList(), set.stream().map(PackageEntry::name).toList(), "sorted");
        assertEquals(set.stream().map(PackageEntry::toString).toList(),
                r.resolve(List.of("systemd", "openssh-server", "iproute2"), true).stream().map(PackageEntry::toString).toList(), "deterministic");
    }

    @Test
    void whatTheBaseHasIsNotAddedAgain() throws Exception {
        List<PackageEntry> base = new DependencyResolver(index, Map.of(), Map.of()).resolve(List.of(), true);
        Map<String, DebianVersion> installed = new HashMap<>();
        Map<String, List<Relation>> provides = new HashMap<>();
        for (PackageEntry e : base) {
            installed.put(e.name(), e.version());
            provides.put(e.name(), e.provides("arm64"));
        }
        List<PackageEntry> more = new DependencyResolver(index, installed, provides).resolve(List.of("openssh-client"), false);
        assertTrue(more.stream().anyMatch(e -> e.name().equals("openssh-client")));
        assertFalse(more.stream().anyMatch(e -> installed.containsKey(e.name())), "nothing of the base again: " + more);
        assertClosed(more, installed);
    }

    @Test
    void anUnknownPackageIsNamed() {
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> new DependencyResolver(index, Map.of(), Map.of()).resolve(List.of("no-such-package-walt"), false));
        assertTrue(e.getMessage().contains("no-such-package-walt"), e.getMessage());
    }

    @Test
    void anUnsatisfiableDependencyNamesTheChain() throws Exception {
        PackageIndex small = new PackageIndex("arm64");
        small.add(new BufferedReader(new StringReader("""
                Package: top
                Version: 1.0
                Architecture: arm64
                Depends: middle

                Package: middle
                Version: 1.0
                Architecture: all
                Depends: libfoo (>= 2) | libbar

                Package: libfoo
                Version: 1.5
                Architecture: arm64
                """)), "test");
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> new DependencyResolver(small, Map.of(), Map.of()).resolve(List.of("top"), false));
        assertEquals("top -> middle depends on libfoo (>= 2) | libbar, which no package in the repository satisfies", e.getMessage());
    }
}
