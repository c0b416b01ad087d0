package walt.vpn.template;

import java.util.List;
import walt.vpn.ssh.SshPublicKey;

/**
 * Everything that differs from one site to another: the proxy chain (entrypoint first), the
 * server as the last proxy reaches it, the keys pinned or trusted, the VM's size. The root
 * filesystem is the same for every site; these go to the boot partition only.
 */
public record SiteConfig(List<SiteHop> proxies, SiteHop server, BootstrapKey bootstrap, SshPublicKey ca, VmSettings vm) {

    public SiteConfig {
        proxies = List.copyOf(proxies);
        if (proxies.size() > 8) {
            throw new IllegalArgumentException("at most 8 proxies in a chain");
        }
    }

    /** Where the node's first connection goes. */
    public SiteHop entrypoint() {
        return proxies.isEmpty() ? server : proxies.get(0);
    }
}
