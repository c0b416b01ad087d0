package walt.vpn.server;

/**
 * The sshd configuration drop-in: one {@code Match User} block per account. The enrolment
 * account accepts any key (the key itself is the request) into one forced command; the tunnel
 * account accepts only CA-signed certificates whose principal has a line in the principals
 * file, which binds it to its own tap, and nothing but the tunnel.
 */
public final class SshdDropIn {

    private SshdDropIn() {
    }

    static final String INIT_HEADER = "Written by walt vpn-server init; rewritten on each init.";

    public static String render(ServerPaths paths) {
        return render(paths, INIT_HEADER);
    }

    /** {@code header}: the comment that says who owns the file. */
    static String render(ServerPaths paths, String header) {
        return String.join("\n",
                "# " + header,
                "Match User " + ServerAccounts.ENROL,
                "    AuthenticationMethods publickey",
                "    PubkeyAuthentication yes",
                "    PasswordAuthentication no",
                "    KbdInteractiveAuthentication no",
                "    AuthorizedKeysFile none",
                "    AuthorizedKeysCommand " + paths.enrolKeysCommand() + " %t %k",
                "    AuthorizedKeysCommandUser " + ServerAccounts.ENROL,
                "    ExposeAuthInfo yes",
                // sshd runs it through the account's shell: exec, so that the shell does not stay
                // to wait for it, once per open connection.
                "    ForceCommand exec " + paths.enrolCommand(),
                "    DisableForwarding yes",
                "    PermitTunnel no",
                "    PermitTTY no",
                "    PermitUserRC no",
                "    MaxSessions 1",
                // A connection that keeps no session (ssh -N) asks nothing: it goes, rather than
                // hold sshd's two processes for whoever has the public bootstrap key.
                "    UnusedConnectionTimeout 30",
                "Match User " + ServerAccounts.TUNNEL,
                "    AuthenticationMethods publickey",
                "    PubkeyAuthentication yes",
                "    PasswordAuthentication no",
                "    KbdInteractiveAuthentication no",
                "    AuthorizedKeysFile none",
                "    TrustedUserCAKeys " + paths.caPub(),
                "    AuthorizedPrincipalsFile " + paths.principals(),
                "    RevokedKeys " + paths.krl(),
                "    PermitTunnel ethernet",
                // Not DisableForwarding: it blocks tunnels too.
                "    AllowTcpForwarding no",
                "    AllowAgentForwarding no",
                "    AllowStreamLocalForwarding no",
                "    X11Forwarding no",
                "    PermitTTY no",
                "    PermitUserRC no",
                "    ForceCommand /bin/false",
                "    ClientAliveInterval 15",
                "    ClientAliveCountMax 4",
                "Match all",
                "");
    }
}
