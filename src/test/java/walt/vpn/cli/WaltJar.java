package walt.vpn.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the packaged {@code walt} jar as a separate process, as a user would. */
final class WaltJar {

    record Run(int exit, byte[] stdout, String stderr) {
        String out() {
            return new String(stdout, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private WaltJar() {
    }

    static Path jar() {
        return Path.of(System.getProperty("walt.jar", "target/walt-vpn.jar"));
    }

    static Run run(Path dir, Map<String, String> env, String... args) throws IOException, InterruptedException {
        return runUnder(List.of(), dir, env, args);
    }

    /** Runs it under {@code wrapper} (e.g. {@code unshare ...}), which execs its arguments. */
    static Run runUnder(List<String> wrapper, Path dir, Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(wrapper);
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx400m", "-jar", jar().toAbsolutePath().toString())); // the launcher's heap
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().remove("SOURCE_DATE_EPOCH");
        pb.environment().remove("WALT_DEBUG");
        pb.environment().put("LC_ALL", "C.UTF-8");
        pb.environment().putAll(env);
        Path out = Files.createTempFile("walt-out", ".bin");
        Path err = Files.createTempFile("walt-err", ".txt");
        try {
            pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process p = pb.start();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("walt " + String.join(" ", args) + " did not finish in 300 s");
            }
            return new Run(p.exitValue(), Files.readAllBytes(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    static Run run(Path dir, String... args) throws IOException, InterruptedException {
        return run(dir, Map.of(), args);
    }
}
