package walt.vpn.ssh;

import walt.vpn.ssh.SshPublicKey;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The SSH host public keys sshd keeps in a directory, {@code ssh_host_*_key.pub}. */
public final class HostKeyFiles {

    public static final Path DEFAULT_DIR = Path.of("/etc/ssh");

    private HostKeyFiles() {
    }

    /** Every host key in {@code dir}, in file name order; at least one, or an error. */
    public static List<SshPublicKey> read(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new java.nio.file.NoSuchFileException(dir.toString(), null, "no such directory");
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> found = Files.newDirectoryStream(dir, "ssh_host_*_key.pub")) {
            found.forEach(files::add);
        }
        if (files.isEmpty()) {
            // Missing files the user named the folder of: bad input (exit 2), said in one sentence.
            throw new java.nio.file.NoSuchFileException(null, null, "no SSH host keys in " + dir + " (ssh_host_*_key.pub)");
        }
        files.sort(null);
        List<SshPublicKey> keys = new ArrayList<>();
        for (Path file : files) {
            keys.add(SshPublicKey.read(file));
        }
        return List.copyOf(keys);
    }
}
