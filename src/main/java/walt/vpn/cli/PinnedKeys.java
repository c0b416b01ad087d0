package walt.vpn.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import walt.vpn.ssh.NextHop;
import walt.vpn.ssh.SshPublicKey;
import walt.vpn.tree.InvalidDataException;

/** A proxy's host keys to pin in the image: from a file the operator has, or scanned and confirmed. */
final class PinnedKeys {

    private PinnedKeys() {
    }

    /**
     * Reads setup-proxy's output ({@code host-key: TYPE BASE64} lines), a .pub file, or
     * known_hosts lines ({@code HOST TYPE BASE64}); every key found is pinned.
     */
    static List<SshPublicKey> read(Path file) throws IOException {
        List<SshPublicKey> keys = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String l = line.strip();
            if (l.startsWith("host-key: ")) {
                keys.add(parse(l.substring("host-key: ".length()), file));
            } else if (!l.isEmpty() && !l.startsWith("#") && !l.startsWith("fingerprint:")) {
                String[] f = l.split("\\s+");
                if (f.length >= 2 && SshPublicKey.TYPES.contains(f[0])) {
                    keys.add(parse(f[0] + " " + f[1], file));
                } else if (f.length >= 3 && SshPublicKey.TYPES.contains(f[1])) {
                    keys.add(parse(f[1] + " " + f[2], file));
                }
            }
        }
        if (keys.isEmpty()) {
            throw new InvalidDataException(file + ": no host keys (expected setup-proxy's 'host-key:' lines, a .pub file or known_hosts lines)");
        }
        return List.copyOf(keys);
    }

    private static SshPublicKey parse(String text, Path file) throws IOException {
        try {
            return SshPublicKey.parse(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidDataException(file + ": " + e.getMessage());
        }
    }

    /** Asks the proxy itself ({@code ssh-keyscan}) and has the operator confirm the fingerprints. */
    static List<SshPublicKey> scan(NextHop proxy, boolean yes) throws IOException {
        Process p = new ProcessBuilder("ssh-keyscan", "-p", Integer.toString(proxy.port()), "-T", "10", proxy.host())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            p.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        List<SshPublicKey> keys = new ArrayList<>();
        for (String line : out.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length >= 3 && SshPublicKey.TYPES.contains(f[1])) {
                keys.add(SshPublicKey.parse(f[1] + " " + f[2]));
            }
        }
        if (keys.isEmpty()) {
            throw new IOException("no host keys from " + proxy + " (ssh-keyscan): give them with --host-keys " + proxy + "=FILE");
        }
        System.err.println(CommandTree.rootName() + ": host keys of " + proxy + " as scanned now:");
        for (SshPublicKey k : keys) {
            System.err.println("  " + k.type() + " " + k.fingerprint());
        }
        if (!yes) {
            if (System.console() == null) {
                throw new IllegalArgumentException("confirm the host keys of " + proxy
                        + " with --yes, or give them with --host-keys (setup-proxy prints them)");
            }
            System.err.print("pin these keys (compare with what setup-proxy printed on the proxy)? [y/N] ");
            String answer = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            if (answer == null || !answer.strip().toLowerCase(java.util.Locale.ROOT).startsWith("y")) {
                throw new IllegalArgumentException("host keys of " + proxy + " not confirmed");
            }
        }
        return List.copyOf(keys);
    }
}
