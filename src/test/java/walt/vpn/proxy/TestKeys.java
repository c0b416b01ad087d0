package walt.vpn.proxy;

import java.io.IOException;
import java.nio.file.Path;
import walt.vpn.testing.Tools;

/** SSH keys and certificates for the proxy tests, made by ssh-keygen itself. */
final class TestKeys {

    private TestKeys() {
    }

    /** An ed25519 pair without passphrase: {@code file} and {@code file.pub}. */
    static Path ed25519(Path file) throws IOException, InterruptedException {
        check(Tools.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test", "-f", file.toString()));
        return file;
    }

    /** Signs {@code pub} with the CA as the server does; the certificate lands beside it as {@code NAME-cert.pub}. */
    static void certify(Path pub, Path ca, String principals) throws IOException, InterruptedException {
        check(Tools.run("ssh-keygen", "-q", "-s", ca.toString(), "-I", "walt-vpn:test", "-n", principals,
                "-z", "1", "-V", "-5m:+1h", pub.toString()));
    }

    private static void check(Tools.Result r) throws IOException {
        if (r.exit() != 0) {
            throw new IOException("ssh-keygen: " + r.all().trim());
        }
    }
}
