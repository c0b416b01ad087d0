package walt.vpn.deb;

import java.util.List;
import walt.vpn.tree.InvalidDataException;

/**
 * One package of a repository's Packages index: what the resolver weighs and the downloader
 * fetches. Relations are read when first asked for, since most of an index is never needed.
 */
public final class PackageEntry {

    private final ControlParagraph control;
    private final String name;
    private final DebianVersion version;
    private final String arch;
    private List<List<Relation>> depends;
    private List<Relation> provides;

    PackageEntry(ControlParagraph control, String where) throws InvalidDataException {
        this.control = control;
        this.name = control.get("Package");
        String v = control.get("Version");
        this.arch = control.get("Architecture", "");
        if (name == null || v == null) {
            throw new InvalidDataException(where + ": a paragraph without Package or Version");
        }
        this.version = DebianVersion.parse(v);
    }

    public String name() {
        return name;
    }

    public DebianVersion version() {
        return version;
    }

    public String arch() {
        return arch;
    }

    public ControlParagraph control() {
        return control;
    }

    public String filename() {
        return control.get("Filename");
    }

    public long size() {
        String s = control.get("Size");
        return s == null ? -1 : Long.parseLong(s.strip());
    }

    public String sha256() {
        return control.get("SHA256");
    }

    public boolean essential() {
        return "yes".equalsIgnoreCase(control.get("Essential"));
    }

    public String priority() {
        return control.get("Priority", "optional");
    }

    /** Pre-Depends then Depends, for architecture {@code target}. */
    public List<List<Relation>> depends(String target) throws InvalidDataException {
        if (depends == null) {
            List<List<Relation>> all = new java.util.ArrayList<>(Relation.parseField(control.get("Pre-Depends"), target, name));
            all.addAll(Relation.parseField(control.get("Depends"), target, name));
            depends = List.copyOf(all);
        }
        return depends;
    }

    /** The virtual packages it provides, each with the version it provides or none. */
    public List<Relation> provides(String target) throws InvalidDataException {
        if (provides == null) {
            List<Relation> all = new java.util.ArrayList<>();
            for (List<Relation> clause : Relation.parseField(control.get("Provides"), target, name)) {
                all.addAll(clause);
            }
            provides = List.copyOf(all);
        }
        return provides;
    }

    public List<List<Relation>> conflicts(String target) throws InvalidDataException {
        List<List<Relation>> all = new java.util.ArrayList<>(Relation.parseField(control.get("Conflicts"), target, name));
        all.addAll(Relation.parseField(control.get("Breaks"), target, name));
        return all;
    }

    /** The name the download cache stores it under, as apt names .deb files. */
    public String debFileName() {
        return name + "_" + version.toString().replace(":", "%3a") + "_" + arch + ".deb";
    }

    @Override
    public String toString() {
        return name + " " + version;
    }
}
