package walt.vpn.proxy;

import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.HostKey;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Runs a script on another machine over SSH ({@code sh -s}, or {@code sudo -n sh -s} for
 * other users than root) and relays its output and exit status. The host key must already
 * be in the known_hosts file: a proxy the operator never connected to is refused, never trusted.
 */
public final class RemoteScriptRunner {

    private static final int CONNECT_TIMEOUT_MS = 15_000;

    private final Path knownHosts;
    private final List<Path> identities;

    public RemoteScriptRunner(Path knownHosts, List<Path> identities) {
        this.knownHosts = knownHosts;
        this.identities = List.copyOf(identities);
    }

    /** The keys ssh itself would try first, those present. */
    public static List<Path> defaultIdentities(Path home) {
        List<Path> found = new ArrayList<>();
        for (String name : List.of("id_ed25519", "id_ecdsa", "id_rsa")) {
            Path key = home.resolve(".ssh").resolve(name);
            if (Files.isRegularFile(key)) {
                found.add(key);
            }
        }
        return found;
    }

    public int run(SshDestination destination, String script, OutputStream out, OutputStream err) throws ProxyInstallException {
        JSch jsch = new JSch();
        String name = destination.knownHostsName();
        Session session = null;
        try {
            if (!Files.isReadable(knownHosts)) {
                throw unknownHost(destination);
            }
            jsch.setKnownHosts(knownHosts.toString());
            HostKey[] known = jsch.getHostKeyRepository().getHostKey(name, null);
            if (known == null || known.length == 0) {
                throw unknownHost(destination);
            }
            if (identities.isEmpty()) {
                throw new ProxyInstallException("no SSH key to log in to " + destination + " with: none of ~/.ssh/id_ed25519, id_ecdsa, id_rsa; give one with --identity");
            }
            for (Path identity : identities) {
                jsch.addIdentity(identity.toString());
            }
            session = jsch.getSession(destination.user(), destination.address().host(), destination.address().port());
            session.setConfig("StrictHostKeyChecking", "yes");
            session.setConfig("PreferredAuthentications", "publickey");
            // Offer first the host key types known_hosts pins, as OpenSSH does; another type would read as unknown.
            session.setConfig("server_host_key", hostKeyAlgorithms(known, JSch.getConfig("server_host_key")));
            session.connect(CONNECT_TIMEOUT_MS);
            return execute(session, destination, script, out, err);
        } catch (JSchException e) {
            throw explain(e, destination);
        } finally {
            if (session != null) {
                session.disconnect();
            }
        }
    }

    private static int execute(Session session, SshDestination destination, String script, OutputStream out, OutputStream err)
            throws JSchException, ProxyInstallException {
        ChannelExec channel = (ChannelExec) session.openChannel("exec");
        // -n: a password prompt would read the script as the password; fail at once instead.
        channel.setCommand(destination.isRoot() ? "sh -s" : "sudo -n sh -s");
        channel.setInputStream(new ByteArrayInputStream(script.getBytes(StandardCharsets.UTF_8)));
        channel.setOutputStream(out, true);
        channel.setErrStream(err, true);
        channel.connect(CONNECT_TIMEOUT_MS);
        try {
            while (!channel.isClosed()) {
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProxyInstallException("interrupted while the script ran on " + destination, e);
        } finally {
            channel.disconnect();
        }
        int status = channel.getExitStatus();
        if (status < 0) {
            throw new ProxyInstallException("the connection to " + destination + " closed before the script's exit status came");
        }
        return status;
    }

    private static String hostKeyAlgorithms(HostKey[] known, String defaults) {
        Set<String> ordered = new LinkedHashSet<>();
        for (HostKey key : known) {
            if (key.getType().equals("ssh-rsa")) {
                ordered.addAll(List.of("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"));
            } else {
                ordered.add(key.getType());
            }
        }
        ordered.addAll(List.of(defaults.split(",")));
        return String.join(",", ordered);
    }

    private ProxyInstallException unknownHost(SshDestination destination) {
        return new ProxyInstallException("the host key of " + destination.knownHostsName() + " is not in " + knownHosts
                + ": connect once with `ssh -p " + destination.address().port() + " " + destination.user() + "@" + destination.address().host()
                + "`, check the fingerprint, then try again");
    }

    private ProxyInstallException explain(JSchException e, SshDestination destination) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        if (message.contains("HostKey has been changed")) {
            return new ProxyInstallException("the host key of " + destination.knownHostsName() + " differs from the one in " + knownHosts
                    + ": someone may be intercepting the connection; refusing", e);
        }
        if (message.startsWith("UnknownHostKey") || message.startsWith("reject HostKey")) {
            return unknownHost(destination);
        }
        if (message.startsWith("Auth fail") || message.contains("USERAUTH fail")) {
            return new ProxyInstallException("authentication as " + destination + " failed with " + identities, e);
        }
        return new ProxyInstallException("cannot run the script on " + destination + ": " + message.replaceAll("[\\r\\n]+", " "), e);
    }
}
