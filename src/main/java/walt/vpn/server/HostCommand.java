package walt.vpn.server;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One of the host's tools (ssh-keygen, ip, useradd) run to completion with a time limit, no
 * input, and its output kept for the error message.
 */
final class HostCommand {

    record Result(int exit, String output) {
    }

    private HostCommand() {
    }

    /** Runs {@code cmd}; {@code fromPackage} names the Debian package that brings the tool. */
    static Result run(List<String> cmd, long timeoutSeconds, String fromPackage) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IOException(cmd.get(0) + " is not installed (apt-get install " + fromPackage + ")");
        }
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(cmd.get(0) + " did not finish");
            }
            return new Result(p.exitValue(), out.strip());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    /** Runs {@code cmd} and fails with its output unless it exits 0. */
    static void check(List<String> cmd, long timeoutSeconds, String fromPackage) throws IOException {
        Result r = run(cmd, timeoutSeconds, fromPackage);
        if (r.exit() != 0) {
            throw new IOException(String.join(" ", cmd.subList(0, Math.min(cmd.size(), 4))) + " failed: "
                    + r.output().replaceAll("\\s+", " "));
        }
    }
}
