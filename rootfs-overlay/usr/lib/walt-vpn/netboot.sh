#!/bin/sh
# Fetches what the WalT node VM boots, the way a WalT server boots a node of model
# qemu-arm-64 (docs/node-services.md, "How the VM boots"):
#
#   1. DHCP on walt-net with the VM's MAC and vendor class walt.node.qemu-arm-64, which is how
#      the server registers the VM as a node of that model and gives it its own TFTP folder;
#   2. /start.ipxe from that folder and the scripts it chains (ipxe.sh), which fetch the
#      kernel and the initrd of the node's WalT image and make its kernel command line.
#
# Both run in a network namespace of their own, joined to the bridge by a veth that carries
# the VM's MAC: the board itself never gets an address on walt-net. On success the kernel,
# initrd (if any) and cmdline are in $WALT_VPN_BOOT_DIR and the status is 0; otherwise it
# says why and exits 1 (vm.sh tries again later).
#
# Usage: netboot.sh VM_MAC
# Environment (for tests): WALT_VPN_BOOT_DIR (/run/walt-vpn/boot), WALT_VPN_BOOT_NETNS
# (walt-vpn-boot), WALT_VPN_DHCP_TRIES (5 requests, 3 s apart).
set -eu
set -f
LC_ALL=C
export LC_ALL
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname -- "$0")/common.sh"
# shellcheck source-path=SCRIPTDIR source=ipxe.sh
. "$WALT_VPN_LIB/ipxe.sh"

model=qemu-arm-64
vm_mac=${1:-}
case $vm_mac in
    [0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]) ;;
    *) die "usage: netboot.sh VM_MAC (lower-case aa:bb:cc:dd:ee:ff)" ;;
esac
WALT_VPN_BOOT_DIR=${WALT_VPN_BOOT_DIR:-/run/walt-vpn/boot}
# It is emptied at each attempt: only a folder of its own, never / or a top folder.
case $WALT_VPN_BOOT_DIR in
    */ | *//* | */./* | */../* | */. | */..) die "WALT_VPN_BOOT_DIR must be a plain absolute path, not '$WALT_VPN_BOOT_DIR'" ;;
    /?*/?*) ;;
    *) die "WALT_VPN_BOOT_DIR must be a folder two levels down or more, not '$WALT_VPN_BOOT_DIR'" ;;
esac
export WALT_VPN_BOOT_DIR
netns=${WALT_VPN_BOOT_NETNS:-walt-vpn-boot}
tries=${WALT_VPN_DHCP_TRIES:-5}
require_uint WALT_VPN_DHCP_TRIES "$tries"
veth=wvboot0
peer=wvboot1

in_netns() {
    ip netns exec "$netns" "$@"
}

cleanup() {
    ip link del "$veth" 2>/dev/null || true
    ip netns del "$netns" 2>/dev/null || true
}

# What one attempt leaves behind must not confuse the next: start from empty folders.
cleanup
trap cleanup EXIT
trap 'exit 143' TERM INT HUP
rm -rf "$WALT_VPN_BOOT_DIR"
mkdir -p "$WALT_VPN_BOOT_DIR/vars" "$WALT_VPN_BOOT_DIR/out"
ipxe_vars=$WALT_VPN_BOOT_DIR/vars
ipxe_out=$WALT_VPN_BOOT_DIR/out

ensure_bridge
ip netns add "$netns"
ip link add "$veth" type veth peer name "$peer" address "$vm_mac" netns "$netns"
no_ipv6 "$veth"
ip link set dev "$veth" master "$WALT_VPN_BRIDGE" up
ip -n "$netns" link set dev lo up
ip -n "$netns" link set dev "$peer" up

say "vm: boot: DHCP on $WALT_VPN_BRIDGE as mac $vm_mac, vendor class walt.node.$model"
if ! in_netns busybox udhcpc -i "$peer" -V "walt.node.$model" -f -q -n -t "$tries" -T 3 \
    -s "$WALT_VPN_LIB/dhcp-lease.sh" >"$WALT_VPN_BOOT_DIR/dhcp.log" 2>&1 || [ ! -s "$WALT_VPN_BOOT_DIR/lease" ]; then
    die "vm: boot: no DHCP lease from the WalT server ($(last_line "$WALT_VPN_BOOT_DIR/dhcp.log" 'no answer'))"
fi
lease() {
    sed -n "s/^$1=//p" "$WALT_VPN_BOOT_DIR/lease"
}
ip=$(lease ip)
server=$(lease server)
gateway=$(lease gateway)
hostname=$(lease hostname)
say "vm: boot: leased $ip/$(lease mask) from the WalT server $server"
ip -n "$netns" addr add "$ip/$(lease mask)" dev "$peer"
[ -z "$gateway" ] || ip -n "$netns" route add default via "$gateway" 2>/dev/null || true

# What iPXE would know at this point, under the names WalT's scripts use.
ipxe_set next-server "$server"
ipxe_set ip "$ip"
ipxe_set netmask "$(lease netmask)"
ipxe_set gateway "$gateway"
ipxe_set hostname "$hostname"
ipxe_set name "$hostname"
ipxe_set mac "$vm_mac"
ipxe_set mac:hexhyp "$(printf '%s' "$vm_mac" | tr : -)"
ipxe_set manufacturer QEMU
ipxe_set product "QEMU Virtual Machine"

# ipxe.sh's transport: one file by HTTP (with ?node_ip=, how WalT's httpd finds the node's
# folder) or TFTP (blocks as large as one Ethernet frame carries), from inside the namespace.
ipxe_transfer() {
    case $1 in
        http) in_netns timeout 600 busybox wget -q -O "$4" "http://$2$3?node_ip=$ip" 2>/dev/null ;;
        tftp) in_netns timeout 600 busybox tftp -g -b 1468 -r "$3" -l "$4" "$2" 2>/dev/null ;;
        *) return 1 ;;
    esac
}

depth=0
if ! ipxe_chain /start.ipxe "$depth" || [ ! -f "$ipxe_out/boot" ] || [ -f "$ipxe_out/abort" ]; then
    die "vm: boot: the WalT boot scripts did not boot a kernel"
fi
cmdline=$(cat "$ipxe_out/cmdline" 2>/dev/null || true)
case $cmdline in
    *[!\ -~]*) die "vm: boot: the kernel command line is not printable ASCII" ;;
esac
initrd_size=0
[ ! -f "$ipxe_out/initrd" ] || initrd_size=$(wc -c <"$ipxe_out/initrd")
say "vm: boot: kernel $(wc -c <"$ipxe_out/kernel") bytes, initrd $initrd_size bytes"
