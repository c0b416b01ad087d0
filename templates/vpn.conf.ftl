<#--
  vpn.conf on the node's boot partition (/boot/firmware/walt-vpn/vpn.conf): one shell
  assignment a line, each value single-quoted. The node's scripts parse it (conf_get in
  rootfs-overlay/usr/lib/walt-vpn/common.sh), never source it; a quote inside a value is
  written '\'' as in the shell.

  Data model (numbers as numbers, so that ?c writes them without grouping):
    server.host  string  the WalT server's address as the last proxy reaches it
    server.port  number  the server's SSH port (22 by default)
    vm.memory    number  the VM's memory in MiB
    vm.cpus      number  the VM's CPU count
-->
<#function sq value>
  <#return "'" + value?replace("'", "'\\''") + "'">
</#function>
# walt-vpn site configuration, written by `walt vpn setup-node`.
WALT_VPN_SERVER_HOST=${sq(server.host)}
WALT_VPN_SERVER_PORT=${sq(server.port?c)}
WALT_VPN_VM_MEMORY=${sq(vm.memory?c)}
WALT_VPN_VM_CPUS=${sq(vm.cpus?c)}
