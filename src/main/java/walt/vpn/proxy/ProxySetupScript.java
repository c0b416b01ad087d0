package walt.vpn.proxy;

import walt.vpn.ssh.NextHop;
import walt.vpn.ssh.SshPublicKey;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The POSIX sh script that makes a machine a VPN proxy: the shell code is the resource
 * {@code setup-proxy.sh}; only validated values, each single-quoted, are put into it.
 */
public record ProxySetupScript(NextHop nextHop, VpnKeys keys, List<SshPublicKey> serverHostKeys) {

    private static final String VALUES_MARK = "# @VALUES@\n";

    public ProxySetupScript {
        serverHostKeys = List.copyOf(serverHostKeys);
        if (serverHostKeys.isEmpty()) {
            throw new IllegalArgumentException("the server's host keys are needed to stop the script on the server");
        }
    }

    public String render() {
        String template = template();
        int mark = template.indexOf(VALUES_MARK);
        if (mark < 0) {
            throw new IllegalStateException("setup-proxy.sh lost its " + VALUES_MARK.trim() + " line");
        }
        String fingerprints = serverHostKeys.stream().map(SshPublicKey::fingerprint).distinct().collect(Collectors.joining(" "));
        String values = "next_hop=" + ShellWord.quote(nextHop.toString()) + "\n"
                + "bootstrap_key=" + ShellWord.quote(keys.bootstrap() + " walt-vpn-bootstrap") + "\n"
                + "ca_key=" + ShellWord.quote(keys.ca() + " walt-vpn-ca") + "\n"
                + "# SHA256 fingerprints of the server's SSH host keys\n"
                + "server_fingerprints=" + ShellWord.quote(fingerprints) + "\n";
        return template.substring(0, mark) + values + template.substring(mark + VALUES_MARK.length());
    }

    private static String template() {
        try (InputStream in = ProxySetupScript.class.getResourceAsStream("setup-proxy.sh")) {
            if (in == null) {
                throw new IllegalStateException("setup-proxy.sh is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
