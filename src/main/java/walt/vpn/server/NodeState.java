package walt.vpn.server;

public enum NodeState {
    ACTIVE, REVOKED;

    String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
