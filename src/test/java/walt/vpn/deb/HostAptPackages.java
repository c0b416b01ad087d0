package walt.vpn.deb;

import java.io.IOException;
import java.io.InputStream;
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
 * Real packages for tests: the host's apt (Debian 12, amd64; {@code apt-cache dumpavail}, the
 * candidate versions) or a suite's {@code Packages} index on the Debian mirror says which
 * packages exist and what they depend on; a dependency closure is picked the way apt would for
 * a minimal system (first alternative that exists, virtual packages by their required/important
 * provider), and the .debs are fetched ({@code apt-get download}, or from the mirror's pool
 * checked by SHA256) into the test cache, where later runs find them.
 */
public final class HostAptPackages {

    public record Available(String name, String version, String arch, String priority, String depends, String provides,
                     String filename, String sha256) {
        public String fileName() {
            return name + "_" + version.replace(":", "%3a") + "_" + arch + ".deb";
        }
    }

    /** Where the .debs come from: the host's apt ({@code apt-get download}) or a mirror URL. */
    private String mirror;
    private Path mirrorCache;

    private final Map<String, Available> byName = new LinkedHashMap<>();
    private final Map<String, List<Available>> providers = new HashMap<>();
    private final List<String> essential = new ArrayList<>();

    private HostAptPackages() {
    }

    static Path cacheDir() {
        return walt.vpn.testing.TestCache.root().resolve("deb-unpack-host-apt");
    }

    /** The host's apt view; the test is skipped where there is no apt or no package list. */
    static HostAptPackages load() throws IOException, InterruptedException {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/apt-cache")), "apt-cache not on this host");
        Process p = new ProcessBuilder("apt-cache", "dumpavail").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        return parse(text, null, "amd64", false);
    }

    /**
     * The {@code Packages} index of {@code suite} main (amd64 unless said) on the Debian mirror (cached; the
     * test is skipped when the mirror cannot be reached and nothing is cached). Downloads are
     * checked against the index's SHA256.
     */
    static HostAptPackages mirror(String mirror, String suite) throws IOException {
        return mirror(mirror, suite, "main", "amd64");
    }

    static HostAptPackages mirror(String mirror, String suite, String arch) throws IOException {
        return mirror(mirror, suite, "main", arch);
    }

    /** As {@link #mirror(String, String)}, for another component and architecture. */
    public static HostAptPackages mirror(String mirror, String suite, String component, String arch) throws IOException {
        Path dir = cacheDir().resolveSibling("debs-" + suite + "-" + arch);
        Path cached = dir.resolve(component + "-Packages.xz");
        if (!Files.isRegularFile(cached)) {
            Files.createDirectories(cached.getParent());
            try {
                fetch(java.net.URI.create(mirror + "/dists/" + suite + "/" + component + "/binary-" + arch + "/Packages.xz"), cached);
            } catch (IOException e) {
                Assumptions.abort("cannot reach " + mirror + ": " + e.getMessage());
            }
        }
        String text;
        try (InputStream in = new org.apache.commons.compress.compressors.xz.XZCompressorInputStream(
                new java.io.BufferedInputStream(Files.newInputStream(cached)))) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        HostAptPackages h = parse(text, mirror, arch, !component.equals("main"));
        h.mirrorCache = dir;
        return h;
    }

    private static void fetch(java.net.URI uri, Path to) throws IOException {
        java.net.http.HttpClient c = java.net.http.HttpClient.newBuilder().connectTimeout(java.time.Duration.ofSeconds(20))
                .followRedirects(java.net.http.HttpClient.Redirect.NORMAL).build();
        Path tmp = to.resolveSibling(to.getFileName() + ".part");
        try {
            java.net.http.HttpResponse<Path> r = c.send(java.net.http.HttpRequest.newBuilder(uri)
                    .timeout(java.time.Duration.ofMinutes(5)).build(), java.net.http.HttpResponse.BodyHandlers.ofFile(tmp));
            if (r.statusCode() != 200) {
                throw new IOException("HTTP " + r.statusCode() + " for " + uri);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        Files.move(tmp, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static HostAptPackages parse(String text, String mirror, String arch, boolean smallComponent) {
        HostAptPackages h = new HostAptPackages();
        h.mirror = mirror;
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
            if (name == null || !arch.equals(f.get("Architecture")) && !"all".equals(f.get("Architecture"))) {
                continue;
            }
            String deps = String.join(", ", f.getOrDefault("Pre-Depends", ""), f.getOrDefault("Depends", ""));
            Available a = new Available(name, f.get("Version"), f.get("Architecture"), f.getOrDefault("Priority", ""),
                    deps, f.getOrDefault("Provides", ""), f.get("Filename"), f.get("SHA256"));
            h.byName.put(name, a);
            if ("yes".equals(f.get("Essential"))) {
                h.essential.add(name);
            }
            for (String prov : FirstBootConfigure.names(a.provides())) {
                h.providers.computeIfAbsent(prov, k -> new ArrayList<>()).add(a);
            }
        }
        Assumptions.assumeTrue(smallComponent || h.byName.size() > 1000 && !h.essential.isEmpty(), "no package lists (apt-get update)");
        return h;
    }

    /** The named packages themselves, without their dependencies. */
    public List<Available> packages(String... names) {
        List<Available> out = new ArrayList<>();
        for (String n : names) {
            Available a = byName.get(n);
            if (a == null) {
                throw new IllegalStateException("no package " + n + " in the index");
            }
            out.add(a);
        }
        return out;
    }

    List<String> essential() {
        return List.copyOf(essential);
    }

    /** {@code seeds} and everything they (pre-)depend on, dependencies first where possible. */
    public List<Available> closure(List<String> seeds) {
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
    public List<Path> download(List<Available> packages) throws IOException, InterruptedException {
        if (mirror != null) {
            return downloadFromMirror(packages);
        }
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

    private List<Path> downloadFromMirror(List<Available> packages) throws IOException {
        Path dir = mirrorCache;
        Files.createDirectories(dir);
        List<Path> out = new ArrayList<>();
        for (Available a : packages) {
            Path deb = dir.resolve(a.fileName());
            if (!Files.isRegularFile(deb)) {
                try {
                    fetch(java.net.URI.create(mirror + "/" + a.filename()), deb);
                } catch (IOException e) {
                    Assumptions.abort("cannot download " + a.filename() + ": " + e.getMessage());
                }
            }
            String sha = sha256(deb);
            if (!sha.equals(a.sha256())) {
                Files.delete(deb);
                throw new IOException(deb.getFileName() + ": SHA256 " + sha + " but the index says " + a.sha256());
            }
            out.add(deb);
        }
        return out;
    }

    private static String sha256(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
