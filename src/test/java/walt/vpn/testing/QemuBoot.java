package walt.vpn.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One run of qemu-system-aarch64 with its console on stdout, read until a line containing a
 * marker appears or a time limit passes; the VM is killed either way, never left running.
 */
public final class QemuBoot {

    public record Result(boolean sawMarker, String console) {
    }

    private QemuBoot() {
    }

    /** Runs {@code command} until the console shows {@code marker + "-END"}, the VM stops, or the time is up. */
    public static Result run(List<String> command, Path workDir, String marker, long timeoutSeconds) throws IOException, InterruptedException {
        return runUntil(command, workDir, marker + "-END", timeoutSeconds);
    }

    /** Runs {@code command} until the console shows {@code until}, the VM stops, or the time is up. */
    public static Result runUntil(List<String> command, Path workDir, String until, long timeoutSeconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        boolean[] seen = {false};
        Thread reader = new Thread(() -> {
            byte[] buf = new byte[8192];
            try (InputStream in = p.getInputStream()) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    synchronized (console) {
                        console.write(buf, 0, n);
                        if (!seen[0] && console.toString(StandardCharsets.UTF_8).contains(until)) {
                            seen[0] = true;
                            console.notifyAll();
                        }
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        synchronized (console) {
            while (!seen[0] && p.isAlive() && System.nanoTime() < deadline) {
                console.wait(200);
            }
        }
        // Give the guest a moment to power off by itself, then make sure it is gone.
        p.waitFor(5, TimeUnit.SECONDS);
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        reader.join(2000);
        synchronized (console) {
            return new Result(seen[0], console.toString(StandardCharsets.UTF_8));
        }
    }
}
