package walt.vpn.ssh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * This machine's name as {@code hostname -f} prints it: the default next hop, since a proxy
 * made on the server forwards to the server, and {@code setup-node} names the server the same way.
 */
public final class LocalHostName {

    private LocalHostName() {
    }

    public static String fullyQualified() throws IOException {
        Process p = new ProcessBuilder("hostname", "-f").redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("hostname -f did not answer; give the server's name with --next");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while asking hostname -f", e);
        }
        if (p.exitValue() != 0 || out.isEmpty()) {
            throw new IOException("hostname -f failed (" + out.lines().findFirst().orElse("no output") + "); give the server's name with --next");
        }
        return out;
    }
}
