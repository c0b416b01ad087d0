package walt.vpn.deb;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import walt.vpn.tree.FileTree;

/**
 * What a base system has according to its dpkg status, as the resolver sees it: a package
 * that is unpacked counts as there (its configuration is pending, not its files).
 *
 * @param versions packages of the target's architecture (or {@code all}) by name
 * @param provides what each of them provides
 */
public record InstalledPackages(Map<String, DebianVersion> versions, Map<String, List<Relation>> provides) {

    public InstalledPackages {
        versions = Map.copyOf(versions);
        provides = Map.copyOf(provides);
    }

    /** Read from {@code tree}'s /var/lib/dpkg/status; empty when it has none. */
    public static InstalledPackages of(FileTree tree, String arch) throws IOException {
        return DpkgDatabase.read(tree).installed(arch);
    }

    public DependencyResolver resolver(PackageIndex index) {
        return new DependencyResolver(index, versions, provides);
    }
}
