package walt.vpn.server;

import walt.vpn.ssh.SshPublicKey;
import walt.vpn.ssh.Printable;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The forced command of the enrolment account: sshd runs it with the node's own public key
 * in {@code $SSH_USER_AUTH} and {@code enroll <MAC>} in {@code $SSH_ORIGINAL_COMMAND}. It asks
 * the daemon and answers the node: the certificate on stdout and exit 0, or a reason on
 * stderr and exit 3 (denied) or 4 (error, retry later). {@code time} prints the server's
 * clock (seconds since the epoch) on stdout: a board without a clock at a site that blocks
 * NTP sets its own from it. A bare main: it starts once per request, so no command-line
 * framework.
 */
public final class EnrolmentCommand {

    static final int ACCEPTED = 0;
    static final int DENIED = 3;
    static final int ERROR = 4;

    private EnrolmentCommand() {
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("error: usage: EnrolmentCommand SOCKET");
            System.exit(ERROR);
        }
        System.exit(run(Path.of(args[0]), System.getenv()));
    }

    static int run(Path socket, Map<String, String> env) {
        ObjectNode request = JsonLineChannel.json().createObjectNode();
        try {
            String[] cmd = env.getOrDefault("SSH_ORIGINAL_COMMAND", "").strip().split(" ");
            if (cmd.length == 1 && cmd[0].equals("time")) {
                System.out.println(java.time.Instant.now().getEpochSecond());
                return ACCEPTED;
            }
            if (cmd.length != 2 || !cmd[0].equals("enroll")) {
                throw new IllegalArgumentException("usage: enroll MAC | time");
            }
            request.put("mac", MacAddress.parse(cmd[1]).value());
            request.put("key", offeredKey(env.get("SSH_USER_AUTH")).line());
            String[] conn = env.getOrDefault("SSH_CONNECTION", "").split(" ");
            request.put("source", SourceAddress.check(conn[0]));
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + Printable.of(e.getMessage()));
            return ERROR;
        }
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r);
            t.setDaemon(true);
            return t;
        });
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            JsonLineChannel daemon = new JsonLineChannel(ch);
            daemon.write(request);
            // sshd does not stop a forced command when the node hangs up, but it closes the
            // command's pipes: a line on stderr every few seconds finds out, and tells the
            // node's console what is happening meanwhile.
            long start = System.nanoTime();
            ticker.scheduleAtFixedRate(() -> {
                System.err.println("waiting: for the operator (" + (System.nanoTime() - start) / 1_000_000_000L + " s)");
                if (System.err.checkError()) {
                    daemon.close();
                    System.exit(ERROR);
                }
            }, 5, 5, TimeUnit.SECONDS);
            JsonNode answer = daemon.read();
            if (answer == null) {
                System.err.println("error: the server closed the request");
                return ERROR;
            }
            switch (answer.path("status").asText()) {
                case "accepted" -> {
                    System.out.println(answer.path("certificate").asText());
                    System.out.flush();
                    return ACCEPTED;
                }
                case "denied" -> {
                    System.err.println("denied: " + Printable.of(answer.path("reason").asText()));
                    return DENIED;
                }
                default -> {
                    System.err.println("error: " + Printable.of(answer.path("reason").asText("server error")));
                    return ERROR;
                }
            }
        } catch (IOException e) {
            System.err.println("error: the WalT VPN server is not running");
            return ERROR;
        } finally {
            ticker.shutdownNow();
        }
    }

    /** The key the node logged in with, from the file sshd names in {@code SSH_USER_AUTH}. */
    static SshPublicKey offeredKey(String authFile) {
        if (authFile == null || authFile.isEmpty()) {
            throw new IllegalArgumentException("no SSH_USER_AUTH: sshd needs ExposeAuthInfo yes");
        }
        String text;
        try {
            text = Files.readString(Path.of(authFile), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read SSH_USER_AUTH");
        }
        for (String line : text.split("\n")) {
            if (line.startsWith("publickey ")) {
                return SshPublicKey.parse(line.substring("publickey ".length()));
            }
        }
        throw new IllegalArgumentException("the node did not log in with a public key");
    }
}
