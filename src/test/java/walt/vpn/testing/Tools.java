package walt.vpn.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the external tools the tests use as oracles, skipping where one is missing. */
public final class Tools {

    private static final List<String> DIRS = List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/bin");

    private Tools() {
    }

    /** Skips the calling test (with the reason) unless {@code tool} is installed. */
    public static void require(String tool) {
        assumeTrue(find(tool) != null, tool + " is not installed (./run-tests as root installs it)");
    }

    public static void requireRoot() {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
    }

    public static String find(String tool) {
        for (String d : DIRS) {
            Path p = Path.of(d, tool);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    public record Result(int exit, String stdout, String stderr, byte[] stdoutBytes) {
        public String all() {
            return stdout + stderr;
        }
    }

    /** Runs a command with a time limit; a hang fails the test instead of stalling it. */
    public static Result run(List<String> command, Path workDir, long timeoutSeconds) throws IOException, InterruptedException {
        return run(command, workDir, timeoutSeconds, java.util.Map.of());
    }

    /** As above, with extra environment variables (e.g. LC_ALL=C.UTF-8 for non-ASCII names). */
    public static Result run(List<String> command, Path workDir, long timeoutSeconds, java.util.Map<String, String> env)
            throws IOException, InterruptedException {
        String exe = command.get(0).contains("/") ? command.get(0) : find(command.get(0));
        if (exe == null) {
            throw new IOException("not installed: " + command.get(0));
        }
        List<String> cmd = new java.util.ArrayList<>(command);
        cmd.set(0, exe);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (workDir != null) {
            pb.directory(workDir.toFile());
        }
        pb.environment().put("LC_ALL", "C");
        pb.environment().put("MTOOLS_SKIP_CHECK", "1");
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread to = pump(p.getInputStream(), out);
        Thread te = pump(p.getErrorStream(), err);
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out after " + timeoutSeconds + " s: " + String.join(" ", command));
        }
        to.join();
        te.join();
        return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), out.toByteArray());
    }

    public static Result run(String... command) throws IOException, InterruptedException {
        return run(List.of(command), null, 300);
    }

    private static Thread pump(InputStream in, ByteArrayOutputStream sink) {
        Thread t = new Thread(() -> {
            try (in) {
                in.transferTo(sink);
            } catch (IOException ignored) {
                // The process went away; what was read is what there is.
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }
}
