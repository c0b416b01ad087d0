package walt.vpn.proxy;

import walt.vpn.ssh.SshPublicKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The public keys a proxy trusts, from the server state directory ({@code walt vpn-server init} makes them). */
public record VpnKeys(SshPublicKey bootstrap, SshPublicKey ca) {

    public static final Path DEFAULT_STATE_DIR = Path.of("/var/lib/walt/vpn");

    public static VpnKeys read(Path stateDir) throws IOException {
        Path bootstrap = stateDir.resolve("bootstrap.pub");
        Path ca = stateDir.resolve("ca.pub");
        if (!Files.exists(bootstrap) || !Files.exists(ca)) {
            // Missing files the user named the folder of: bad input (exit 2), said in one sentence.
            throw new java.nio.file.NoSuchFileException(null, null, "no VPN keys in " + stateDir + " (bootstrap.pub, ca.pub): run the server's init first (walt vpn-server init; walt-vpn server init from the Debian package)");
        }
        return new VpnKeys(SshPublicKey.read(bootstrap), SshPublicKey.read(ca));
    }
}
