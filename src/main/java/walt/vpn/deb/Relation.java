package walt.vpn.deb;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import walt.vpn.tree.InvalidDataException;

/**
 * One package relation as written in Depends, Pre-Depends, Provides, Conflicts or Breaks:
 * {@code name[:archqualifier] [(op version)]}. Relations separated by '|' are alternatives;
 * fields are lists of those, separated by ','.
 *
 * @param name     package name
 * @param op       one of {@code << <= = >= >>}, or null for any version
 * @param version  the version the operator compares with, or null
 */
public record Relation(String name, String op, DebianVersion version) {

    private static final Pattern ONE = Pattern.compile(
            "([a-z0-9][a-z0-9+.-]*)(?::([a-z0-9-]+))?\\s*(?:\\(\\s*(<<|<=|=|>=|>>|<|>)\\s*([^\\s)]+)\\s*\\))?\\s*(\\[[^\\]]*\\])?\\s*((?:<[^>]*>\\s*)*)");

    /**
     * The clauses of a relation field for architecture {@code arch}: each clause a list of
     * alternatives. Alternatives restricted to other architectures ({@code [!arm64]},
     * {@code [amd64]}) are dropped; build profiles ({@code <!nocheck>}) never apply to binary
     * packages and are dropped with their alternative.
     */
    public static List<List<Relation>> parseField(String field, String arch, String where) throws InvalidDataException {
        List<List<Relation>> clauses = new ArrayList<>();
        if (field == null || field.isBlank()) {
            return clauses;
        }
        for (String clause : field.replace('\n', ' ').split(",")) {
            if (clause.isBlank()) {
                continue;
            }
            List<Relation> alternatives = new ArrayList<>();
            for (String alt : clause.split("\\|")) {
                Matcher m = ONE.matcher(alt.strip());
                if (!m.matches()) {
                    throw new InvalidDataException(where + ": cannot read relation '" + alt.strip() + "'");
                }
                if (m.group(5) != null && !archMatches(m.group(5), arch)) {
                    continue;
                }
                if (m.group(6) != null && !m.group(6).isBlank()) {
                    continue;
                }
                String op = m.group(3);
                if ("<".equals(op)) {
                    op = "<="; // obsolete spellings, as dpkg reads them
                } else if (">".equals(op)) {
                    op = ">=";
                }
                DebianVersion v = op == null ? null : DebianVersion.parse(m.group(4));
                alternatives.add(new Relation(m.group(1), op, v));
            }
            if (!alternatives.isEmpty()) {
                clauses.add(List.copyOf(alternatives));
            }
        }
        return clauses;
    }

    private static boolean archMatches(String list, String arch) {
        String[] archs = list.substring(1, list.length() - 1).trim().split("\\s+");
        boolean negated = archs.length > 0 && archs[0].startsWith("!");
        for (String a : archs) {
            String n = a.startsWith("!") ? a.substring(1) : a;
            if (n.equals(arch) || n.equals("any") || n.equals("linux-any") || n.equals("any-" + arch)) {
                return !negated;
            }
        }
        return negated;
    }

    /** Whether {@code candidate} (a real version, or a Provides version) satisfies this relation. */
    public boolean accepts(DebianVersion candidate) {
        if (op == null) {
            return true;
        }
        if (candidate == null) {
            return false;
        }
        int c = candidate.compareTo(version);
        return switch (op) {
            case "<<" -> c < 0;
            case "<=" -> c <= 0;
            case "=" -> c == 0;
            case ">=" -> c >= 0;
            case ">>" -> c > 0;
            default -> false;
        };
    }

    @Override
    public String toString() {
        return op == null ? name : name + " (" + op + " " + version + ")";
    }
}
