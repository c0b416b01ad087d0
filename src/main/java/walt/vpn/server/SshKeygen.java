package walt.vpn.server;

import walt.vpn.ssh.SshPublicKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * The OpenSSH key tool, for the three things OpenSSH must agree with byte for byte: key
 * files, certificates and KRLs. Keys stay on this machine; work files live in a private
 * directory and results are renamed into place.
 */
public final class SshKeygen {

    private static final DateTimeFormatter VALIDITY = DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private final String exe;

    public SshKeygen() {
        this("ssh-keygen");
    }

    SshKeygen(String exe) {
        this.exe = exe;
    }

    /** Makes an ed25519 key pair {@code key} and {@code key.pub} unless {@code key} exists. */
    public boolean generateIfAbsent(Path key, String comment) throws IOException {
        if (Files.exists(key)) {
            return false;
        }
        Path work = Files.createTempDirectory(key.toAbsolutePath().getParent(), ".keygen-");
        try {
            Path tmp = work.resolve("key");
            run(List.of(exe, "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", tmp.toString()));
            Files.move(work.resolve("key.pub"), key.resolveSibling(key.getFileName() + ".pub"),
                    StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, key, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } finally {
            deleteTree(work);
        }
    }

    /**
     * Signs {@code key} with the CA: a user certificate with the given id, principals, serial
     * and validity, allowing port forwarding only (the proxies' {@code -W} hop needs it).
     */
    public String sign(Path caKey, SshPublicKey key, String keyId, List<String> principals, long serial,
            Instant from, Instant to) throws IOException {
        Path work = Files.createTempDirectory(caKey.toAbsolutePath().getParent(), ".sign-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try {
            Path pub = work.resolve("node.pub");
            Files.writeString(pub, key.line() + "\n", StandardCharsets.US_ASCII);
            run(List.of(exe, "-q", "-s", caKey.toString(), "-I", keyId, "-n", String.join(",", principals),
                    "-z", Long.toString(serial), "-V", VALIDITY.format(from) + ":" + VALIDITY.format(to),
                    "-O", "clear", "-O", "permit-port-forwarding", pub.toString()));
            return Files.readString(work.resolve("node-cert.pub"), StandardCharsets.US_ASCII).strip();
        } finally {
            deleteTree(work);
        }
    }

    /** Writes a KRL revoking these serials of the CA's certificates, replacing {@code krl} atomically. */
    public void writeKrl(Path caPub, List<Long> serials, Path krl) throws IOException {
        Path dir = krl.toAbsolutePath().getParent();
        Path spec = Files.createTempFile(dir, ".krl-spec-", "");
        Path tmp = dir.resolve("." + krl.getFileName() + ".tmp");
        try {
            StringBuilder sb = new StringBuilder();
            for (long s : serials) {
                sb.append("serial: ").append(s).append('\n');
            }
            Files.writeString(spec, sb.toString(), StandardCharsets.US_ASCII);
            Files.deleteIfExists(tmp);
            run(List.of(exe, "-q", "-k", "-f", tmp.toString(), "-s", caPub.toString(), spec.toString()));
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            // sshd refuses every key while the KRL is unreadable: never let it see a partial one.
            Files.move(tmp, krl, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(spec);
            Files.deleteIfExists(tmp);
        }
    }

    private static void run(List<String> cmd) throws IOException {
        HostCommand.check(cmd, 60, "openssh-client");
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
    }
}
