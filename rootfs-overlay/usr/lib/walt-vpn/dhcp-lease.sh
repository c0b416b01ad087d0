#!/bin/sh
# udhcpc's event script for netboot.sh: when the WalT server leases an address to the node's
# VM, writes what the boot needs to $WALT_VPN_BOOT_DIR/lease as KEY=value lines, each value
# checked (it came from the network), and configures nothing itself.
set -eu

case ${1:-} in
    bound | renew) ;;
    *) exit 0 ;;
esac

# Prints $1 if it is a dotted IPv4 address.
ipv4() {
    case $1 in
        *[!0-9.]* | *..* | .* | *.) return 0 ;;
    esac
    IFS=. read -r a b c d extra <<EOF_IP
$1
EOF_IP
    [ -n "$d" ] && [ -z "$extra" ] || return 0
    for n in "$a" "$b" "$c" "$d"; do
        [ "${#n}" -le 3 ] && [ "$n" -le 255 ] || return 0
    done
    printf '%s' "$1"
}

ip=$(ipv4 "${ip:-}")
netmask=$(ipv4 "${subnet:-}")
routers=${router:-}
gateway=$(ipv4 "${routers%% *}")
# The WalT server puts itself in next-server (siaddr); the server identifier is the fallback.
server=$(ipv4 "${siaddr:-}")
[ -n "$server" ] && [ "$server" != 0.0.0.0 ] || server=$(ipv4 "${serverid:-}")
case ${hostname:-} in
    *[!A-Za-z0-9.-]* | -*) hostname= ;;
esac
case ${mask:-} in
    [0-9] | [12][0-9] | 3[0-2]) ;;
    *) mask= ;;
esac
[ -n "$ip" ] && [ -n "$server" ] && [ -n "$mask" ] && [ -n "$netmask" ] || exit 1

tmp=$WALT_VPN_BOOT_DIR/.lease.tmp
printf '%s\n' "ip=$ip" "mask=$mask" "netmask=$netmask" "gateway=$gateway" "server=$server" "hostname=${hostname:-}" >"$tmp"
mv -f "$tmp" "$WALT_VPN_BOOT_DIR/lease"
