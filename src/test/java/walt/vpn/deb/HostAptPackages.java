package walt.vpn.deb;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Real packages for tests: the host's apt (Debian 12, amd64) says which packages exist and
 * what they depend on ({@code apt-cache dumpavail}, the candidate versions); a dependency
 * closure is picked the way apt would for a minimal system (first alternative that exists,
 * virtual packages by their required/important provider), and {@code apt-get download} fetches
 * the .debs into the test cache, where later runs find them.
 */
final class HostAptPackages {

    record Available(String name, String version, String arch, String priority, String depends, String provides) {
        String fileName() {
            return name + "_" + version.replace(":", "%3a") + "_" + arch + ".deb";
        }
    }

    private final Map<String, Available> byName = new LinkedHashMap<>();
    private final Map<String, List<Available>> providers = new HashMap<>();
    private final List<String> essential = new ArrayList<>();

    private HostAptPackages() {
    }

    static Path cacheDir() {
        String env = System.getenv("WALT_TEST_CACHE");
        Path base = env != null && !env.isEmpty() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "walt-vpn-tests");
        return base.resolve("debs-host-apt");
    }

    /** The host's apt view; the test is skipped where there is no apt or no package list. */
    static HostAptPackages load() throws IOException, InterruptedException {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/apt-cache")), "apt-cache not on this host");
        Process p = new ProcessBuilder("apt-cache", "dumpavail").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        HostAptPackages h = new HostAptPackages();
        for (String para : text.split("\n\n")) {
            Map<String, String> f = new HashMap<>();
            String last = null;
            for (String line : para.split("\n")) {
                if (line.startsWith(" ") && last != null) {
                    f.put(last, f.get(last) + " " + line.strip());
                } else if (line.indexOf(':') > 0) {
                    last = line.substring(0, line.indexOf(':'));
                    f.put(last, line.substring(line.indexOf(':') + 1).strip());
                }
            }
            String name = f.get("Package");
            if (name == null || !"amd64".equals(f.get("Architecture")) && !"all".equals(f.get("Architecture"))) {
                continue;
            }
            String deps = String.join(", ", f.getOrDefault("Pre-Depends", ""), f.getOrDefault("Depends", ""));
            Available a = new Available(name, f.get("Version"), f.get("Architecture"), f.getOrDefault("Priority", ""),
                    deps, f.getOrDefault("Provides", ""));
            h.byName.put(name, a);
            if ("yes".equals(f.get("Essential"))) {
                h.essential.add(name);
            }
            for (String prov : FirstBootConfigure.names(a.provides())) {
                h.providers.computeIfAbsent(prov, k -> new ArrayList<>()).add(a);
            }
        }
        Assumptions.assumeTrue(h.byName.size() > 1000 && !h.essential.isEmpty(), "the host's apt has no package lists (apt-get update)");
        return h;
    }

    List<String> essential() {
        return List.copyOf(essential);
    }

    /** {@code seeds} and everything they (pre-)depend on, dependencies first where possible. */
    List<Available> closure(List<String> seeds) {
        Set<String> chosen = new LinkedHashSet<>();
        Deque<String> todo = new ArrayDeque<>(seeds);
        while (!todo.isEmpty()) {
            String n = todo.poll();
            Available a = byName.get(n);
            if (a == null) {
                throw new IllegalStateException("no package " + n + " in the host's apt lists");
            }
            if (!chosen.add(n)) {
                continue;
            }
            for (String clause : a.depends().split(",")) {
                if (clause.isBlank()) {
                    continue;
                }
                String pick = pick(clause, chosen);
                if (pick == null) {
                    throw new IllegalStateException(n + ": cannot satisfy '" + clause.strip() + "' from the host's apt lists");
                }
                todo.add(pick);
            }
        }
        List<Available> out = new ArrayList<>();
        for (String n : chosen) {
            out.add(byName.get(n));
        }
        return out;
    }

    private String pick(String clause, Set<String> chosen) {
        List<String> alternatives = FirstBootConfigure.names(clause);
        for (String alt : alternatives) {
            if (chosen.contains(alt) || providers.getOrDefault(alt, List.of()).stream().anyMatch(p -> chosen.contains(p.name()))) {
                return chosen.contains(alt) ? alt : providers.get(alt).stream().filter(p -> chosen.contains(p.name())).findFirst().get().name();
            }
        }
        for (String alt : alternatives) {
            if (byName.containsKey(alt)) {
                return alt;
            }
            List<Available> ps = providers.getOrDefault(alt, List.of());
            for (String prio : List.of("required", "important", "standard", "optional")) {
                for (Available p : ps) {
                    if (p.priority().equals(prio)) {
                        return p.name();
                    }
                }
            }
        }
        return null;
    }

    /**
     * The .deb files of {@code packages}, downloaded into the cache when missing; the test is
     * skipped when the mirror cannot be reached and the cache lacks some.
     */
    static List<Path> download(List<Available> packages) throws IOException, InterruptedException {
        Path dir = cacheDir();
        Files.createDirectories(dir);
        List<String> missing = new ArrayList<>();
        for (Available a : packages) {
            if (!Files.isRegularFile(dir.resolve(a.fileName()))) {
                missing.add(a.name() + "=" + a.version());
            }
        }
        if (!missing.isEmpty()) {
            List<String> cmd = new ArrayList<>(List.of("apt-get", "download", "-q"));
            cmd.addAll(missing);
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            boolean finished = p.waitFor(10, TimeUnit.MINUTES);
            Assumptions.assumeTrue(finished && p.exitValue() == 0,
                    "cannot download packages from the host's mirror: " + out.lines().reduce((x, y) -> y).orElse(""));
        }
        List<Path> out = new ArrayList<>();
        for (Available a : packages) {
            Path deb = dir.resolve(a.fileName());
            if (!Files.isRegularFile(deb)) {
                throw new IOException("apt-get download did not produce " + deb);
            }
            out.add(deb);
        }
        return out;
    }
}
