package walt.vpn.server;

import java.util.List;

/**
 * The tunnel account's {@code AuthorizedPrincipalsFile}: one line per active node, binding
 * its principal to its own tap. The restrictions are spelled out rather than
 * {@code restrict}, which forbids tunnels from OpenSSH 10.5 on.
 */
public final class PrincipalsFile {

    static final String OPTIONS = "no-port-forwarding,no-agent-forwarding,no-X11-forwarding,no-pty,no-user-rc";

    private PrincipalsFile() {
    }

    public static String render(List<NodeRecord> nodes) {
        StringBuilder sb = new StringBuilder("# Written by walt vpn-server; one line per active node.\n");
        for (NodeRecord n : nodes) {
            if (n.state() == NodeState.ACTIVE) {
                sb.append("tunnel=\"").append(n.id()).append("\",").append(OPTIONS).append(' ')
                        .append(n.principal()).append('\n');
            }
        }
        return sb.toString();
    }
}
