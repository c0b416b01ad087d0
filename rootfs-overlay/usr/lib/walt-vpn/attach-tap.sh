#!/bin/sh
# Called by the tunnel's ssh (LocalCommand) with the tap it made: puts the tap into the bridge
# the VM's tap is in, so that the VM's frames go through the tunnel.
set -eu
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname -- "$0")/common.sh"

tap=${1:-}
case $tap in
    tap[0-9] | tap[0-9][0-9] | tap[0-9][0-9][0-9]) ;;
    *) die "tunnel: no tap to attach (ssh gave '$(printf '%s' "$tap" | clean_line)')" ;;
esac
ensure_bridge
no_ipv6 "$tap"
ip link set dev "$tap" master "$WALT_VPN_BRIDGE"
ip link set dev "$tap" up
# Tells tunnel.sh that this session came up: its end is no sign of a refused certificate.
: >"$WALT_VPN_STATE/.tunnel.up"
say "tunnel: up, $tap in bridge $WALT_VPN_BRIDGE"
