<#--
  known_hosts on the node's boot partition (/boot/firmware/walt-vpn/known_hosts): the pinned
  host keys of every proxy and of the server; the node's ssh_config accepts no other
  (StrictHostKeyChecking yes).

  Data model:
    proxies              sequence (may be empty); each item:
      .host              string  as in ssh_config (the address the previous hop uses)
      .port              number  SSH port (22 by default)
      .hostKeys          sequence of strings "TYPE BASE64" (e.g. "ssh-ed25519 AAAA...")
    server.host, server.port, server.hostKeys   the same for the server

  A host on another port than 22 is written [host]:port, the form ssh looks up.
-->
<#macro pin hop>
<#assign name = ((hop.port!22) == 22)?then(hop.host, "[" + hop.host + "]:" + (hop.port!22)?c)>
<#list hop.hostKeys as key>
${name} ${key}
</#list>
</#macro>
# walt-vpn pinned host keys, written by `walt vpn setup-node`.
<#list proxies as proxy>
<@pin proxy/>
</#list>
<@pin server/>
