<#--
  ssh_config on the node's boot partition (/boot/firmware/walt-vpn/ssh_config), used as
  `ssh -F` by the enrolment and tunnel services (docs/vpn-protocol.md, "Node files").

  Data model:
    proxies              sequence, entrypoint first; may be empty (the server is then the
                         entrypoint). Each item:
      .host              string  address of this proxy as the previous hop reaches it
      .port              number  SSH port (22 by default)
      .user              string  optional, default "walt-vpn"
    server.host          string  the server's address as the last proxy reaches it
                                 (exactly what that proxy's permitopen allows)
    server.port          number  the server's SSH port (22 by default)
    server.enrollUser    string  optional, default "walt-vpn-enroll"
    server.tunnelUser    string  optional, default "walt-vpn"
    statePath            string  optional, default "/var/lib/walt-vpn" (node key, certificate,
                                 0600 copy of the bootstrap key)
    sitePath             string  optional, default "/boot/firmware/walt-vpn" (known_hosts)

  Every proxy hop uses the bootstrap key, the only key the node has before enrolment; the
  server hop uses the node's own key (enrolment) or its certificate (tunnel). ProxyJump
  reuses this file for the jump hosts, which is why each proxy has its own Host block.
-->
<#assign state = statePath!"/var/lib/walt-vpn">
<#assign site = sitePath!"/boot/firmware/walt-vpn">
<#function port hop>
  <#return (hop.port!22)?c>
</#function>
# walt-vpn site SSH configuration, written by `walt vpn setup-node`.
Host walt-vpn-*
    StrictHostKeyChecking yes
    UserKnownHostsFile "${site}/known_hosts"
    GlobalKnownHostsFile /dev/null
    UpdateHostKeys no
    IdentitiesOnly yes
    BatchMode yes
    ConnectTimeout 30
    # A dead path ends the session within a minute, also while the server waits for the
    # operator's answer to an enrolment request.
    ServerAliveInterval 15
    ServerAliveCountMax 4
<#list proxies as proxy>

Host walt-vpn-proxy-${proxy?counter}
    HostName ${proxy.host}
    Port ${port(proxy)}
    User ${proxy.user!"walt-vpn"}
    IdentityFile "${state}/bootstrap"
<#if proxy?counter gt 1>
    ProxyJump walt-vpn-proxy-${proxy?counter - 1}
</#if>
</#list>

Host walt-vpn-enroll
    HostName ${server.host}
    Port ${port(server)}
    User ${server.enrollUser!"walt-vpn-enroll"}
    IdentityFile "${state}/id_ed25519"
<#if proxies?has_content>
    ProxyJump walt-vpn-proxy-${proxies?size}
</#if>

Host walt-vpn-tunnel
    HostName ${server.host}
    Port ${port(server)}
    User ${server.tunnelUser!"walt-vpn"}
    IdentityFile "${state}/id_ed25519"
    CertificateFile "${state}/id_ed25519-cert.pub"
<#if proxies?has_content>
    ProxyJump walt-vpn-proxy-${proxies?size}
</#if>
