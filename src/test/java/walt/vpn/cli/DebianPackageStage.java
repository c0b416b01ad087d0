package walt.vpn.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.codegen.docgen.manpage.ManPageGenerator;
import walt.vpn.server.PackagedServerFiles;

/**
 * Build time, not a test: Maven runs it (pom.xml, exec-maven-plugin) to make the Debian
 * package's tree, which {@code dpkg-deb --build} then packs. It lives with the tests because
 * it needs picocli's man page generator, which the jar does not ship.
 *
 * <ul>
 * <li>{@code man-sources DIR}: one AsciiDoc man page per command of the {@code walt-vpn} tree,
 *     named as man looks them up ({@code walt-vpn-server-init.adoc}); asciidoctor turns them
 *     into troff.
 * <li>{@code stage DIR VERSION TIMESTAMP PROJECT}: the package's root, with {@code DEBIAN/}.
 *     Every file gets its mode here and the build's fixed time, so the package is the same
 *     bytes from the same sources.
 * </ul>
 */
public final class DebianPackageStage {

    static final String COMMAND = "walt-vpn";
    static final Path SHARE = Path.of("usr/share/walt-vpn");
    static final String CONFFILE = "/etc/ssh/sshd_config.d/walt-vpn.conf";

    /** The operating system byte of a gzip header made on Unix, as gzip writes it. */
    private static final int UNIX = 3;

    private final Path stage;
    private final Path project;
    private final FileTime time;

    private DebianPackageStage(Path stage, Path project, FileTime time) {
        this.stage = stage;
        this.project = project;
        this.time = time;
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 2 && args[0].equals("man-sources")) {
            writeManSources(Path.of(args[1]));
        } else if (args.length == 5 && args[0].equals("stage")) {
            Instant at = Instant.parse(args[3]);
            new DebianPackageStage(Path.of(args[1]), Path.of(args[4]), FileTime.from(at)).stage(debianVersion(args[2]), at);
        } else {
            throw new IllegalArgumentException("usage: man-sources DIR | stage DIR VERSION TIMESTAMP PROJECT");
        }
    }

    /** Maven's 0.1.0-SNAPSHOT sorts after 0.1.0 for dpkg unless it becomes 0.1.0~SNAPSHOT. */
    static String debianVersion(String maven) {
        String v = maven.replace("-SNAPSHOT", "~SNAPSHOT").replace('-', '.');
        if (!v.matches("[0-9][A-Za-z0-9.+~]*")) {
            throw new IllegalArgumentException("not a Debian version: " + v);
        }
        return v;
    }

    static void writeManSources(Path dir) throws IOException {
        // A renamed command's old page must not stay behind to be packaged.
        deleteTree(dir);
        Files.createDirectories(dir);
        for (CommandSpec spec : commands(CommandTree.forRoot(COMMAND), new ArrayList<>())) {
            Path page = dir.resolve(pageName(spec) + ".adoc");
            try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(page, StandardCharsets.UTF_8))) {
                ManPageGenerator.writeSingleManPage(out, spec);
            }
        }
    }

    static String pageName(CommandSpec spec) {
        return spec.qualifiedName("-");
    }

    private static List<CommandSpec> commands(CommandLine cl, List<CommandSpec> into) {
        into.add(cl.getCommandSpec());
        for (CommandLine sub : cl.getSubcommands().values()) {
            commands(sub, into);
        }
        return into;
    }

    private void stage(String version, Instant at) throws IOException {
        deleteTree(stage);
        Path deb = project.resolve("src/deb");
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(at.atOffset(ZoneOffset.UTC)).replace("GMT", "+0000");

        file("usr/bin/" + COMMAND, Files.readAllBytes(deb.resolve(COMMAND)), true);
        copy(project.resolve("target/walt-vpn.jar"), SHARE.resolve("walt-vpn.jar"), false);
        // setup-node's default recipe and the overlays it names, found through walt.home.
        tree(project.resolve("image-recipes"), SHARE.resolve("image-recipes"));
        tree(project.resolve("rootfs-overlay"), SHARE.resolve("rootfs-overlay"));
        for (Map.Entry<Path, String> f : PackagedServerFiles.render(Path.of("/usr/bin", COMMAND)).entrySet()) {
            file(f.getKey().toString().substring(1), f.getValue().getBytes(StandardCharsets.US_ASCII),
                    PackagedServerFiles.executable(f.getKey()));
        }
        // bash-completion sources it: no #! line.
        String completion = AutoComplete.bash(COMMAND, CommandTree.forRoot(COMMAND));
        completion = completion.startsWith("#!") ? completion.substring(completion.indexOf('\n') + 1) : completion;
        file("usr/share/bash-completion/completions/" + COMMAND, completion.getBytes(StandardCharsets.UTF_8), false);
        // One page per command of today's tree: target/man may still hold a renamed one's.
        for (CommandSpec spec : commands(CommandTree.forRoot(COMMAND), new ArrayList<>())) {
            Path page = project.resolve("target/man").resolve(pageName(spec) + ".1");
            file("usr/share/man/man1/" + page.getFileName() + ".gz", gzip(Files.readAllBytes(page)), false);
        }
        file("usr/share/lintian/overrides/" + COMMAND, Files.readAllBytes(deb.resolve("lintian-overrides")), false);
        file("usr/share/doc/" + COMMAND + "/copyright", Files.readAllBytes(deb.resolve("copyright")), false);
        file("usr/share/doc/" + COMMAND + "/changelog.gz", gzip(Files.readString(deb.resolve("changelog"))
                .replace("@VERSION@", version).replace("@DATE@", date).getBytes(StandardCharsets.UTF_8)), false);

        long kib = installedSizeKib();
        file("DEBIAN/control", Files.readString(deb.resolve("control")).replace("@VERSION@", version)
                .replace("@INSTALLED_SIZE@", Long.toString(kib)).getBytes(StandardCharsets.UTF_8), false);
        file("DEBIAN/md5sums", md5sums(), false);
        file("DEBIAN/conffiles", (CONFFILE + "\n").getBytes(StandardCharsets.US_ASCII), false);
        for (String script : List.of("postinst", "prerm", "postrm")) {
            file("DEBIAN/" + script, Files.readAllBytes(deb.resolve(script)), true);
        }
        fixTimes();
    }

    private void file(String path, byte[] content, boolean executable) throws IOException {
        Path target = stage.resolve(path);
        directories(target.getParent());
        Files.write(target, content);
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(executable ? "rwxr-xr-x" : "rw-r--r--"));
    }

    private void copy(Path source, Path path, boolean executable) throws IOException {
        Path target = stage.resolve(path);
        directories(target.getParent());
        Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(executable ? "rwxr-xr-x" : "rw-r--r--"));
    }

    /** A checkout's folder, with the modes git keeps: executable or not; symlinks as they are. */
    private void tree(Path source, Path path) throws IOException {
        try (Stream<Path> all = Files.walk(source)) {
            for (Path p : all.sorted().toList()) {
                Path target = path.resolve(source.relativize(p).toString());
                if (Files.isSymbolicLink(p)) {
                    directories(stage.resolve(target).getParent());
                    Files.createSymbolicLink(stage.resolve(target), Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p)) {
                    directories(stage.resolve(target));
                } else {
                    copy(p, target, Files.isExecutable(p));
                }
            }
        }
    }

    private void directories(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            directories(dir.getParent());
            Files.createDirectory(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    /** As dpkg-gencontrol counts it: each file's size in KiB, rounded up, plus one per other entry. */
    private long installedSizeKib() throws IOException {
        long[] kib = {0};
        try (Stream<Path> all = Files.walk(stage)) {
            all.filter(p -> !p.startsWith(stage.resolve("DEBIAN")) && !p.equals(stage)).forEach(p -> {
                try {
                    kib[0] += Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? (Files.size(p) + 1023) / 1024 : 1;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
        return kib[0];
    }

    /** dpkg --verify's list: every regular file but the conffiles (their sums are kept apart). */
    private byte[] md5sums() throws IOException {
        StringBuilder sums = new StringBuilder();
        try (Stream<Path> all = Files.walk(stage)) {
            for (Path p : all.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).sorted().toList()) {
                String name = stage.relativize(p).toString();
                if (name.startsWith("DEBIAN/") || ("/" + name).equals(CONFFILE)) {
                    continue;
                }
                try {
                    byte[] md5 = java.security.MessageDigest.getInstance("MD5").digest(Files.readAllBytes(p));
                    sums.append(java.util.HexFormat.of().formatHex(md5)).append("  ").append(name).append('\n');
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return sums.toString().getBytes(StandardCharsets.UTF_8);
    }

    private void fixTimes() throws IOException {
        try (Stream<Path> all = Files.walk(stage)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.getFileAttributeView(p, java.nio.file.attribute.BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                        .setTimes(time, null, null);
            }
        }
    }

    /**
     * gzip -9n: the best compression, said so in the header (lintian reads it), with no name
     * and no time (Debian policy 12.3).
     */
    static byte[] gzip(byte[] data) throws IOException {
        GzipParameters parameters = new GzipParameters();
        parameters.setCompressionLevel(Deflater.BEST_COMPRESSION);
        parameters.setModificationTime(0);
        parameters.setOperatingSystem(UNIX);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (OutputStream out = new GzipCompressorOutputStream(bytes, parameters)) {
            out.write(data);
        }
        return bytes.toByteArray();
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
