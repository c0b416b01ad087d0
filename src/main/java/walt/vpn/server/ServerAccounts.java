package walt.vpn.server;

/** The two local accounts sshd serves the nodes with. */
public final class ServerAccounts {

    /** Runs the forced enrolment command; any key gets in, and gets nothing else. */
    public static final String ENROL = "walt-vpn-enroll";

    /** Carries the tunnels; certificates only. */
    public static final String TUNNEL = "walt-vpn";

    /** The principal every node certificate carries besides its own: the proxies' role. */
    public static final String NODE_ROLE = "walt-vpn-node";

    private ServerAccounts() {
    }
}
