package walt.vpn.template;

import java.util.List;
import java.util.Map;
import walt.vpn.ssh.NextHop;
import walt.vpn.ssh.SshPublicKey;

/**
 * One SSH hop of a site (a proxy or the server): its address as the previous hop reaches it,
 * written exactly as the previous proxy's {@code permitopen} allows, and the host keys the
 * node pins for it. Both were checked on the way in, so nothing here can carry ssh_config or
 * known_hosts syntax.
 */
public record SiteHop(NextHop address, List<SshPublicKey> hostKeys) {

    public SiteHop {
        hostKeys = List.copyOf(hostKeys);
        if (hostKeys.isEmpty()) {
            throw new IllegalArgumentException("no host key to pin for " + address);
        }
    }

    /** The template data model: {@code host}, {@code port}, {@code hostKeys}. */
    Map<String, Object> model() {
        return Map.of("host", address.host(), "port", address.port(),
                "hostKeys", hostKeys.stream().map(SshPublicKey::line).toList());
    }
}
