#!/bin/sh
# walt-vpn-tunnel.service: the Ethernet-over-SSH tunnel to the WalT server. ssh makes a local
# tap (tapN) that attach-tap.sh puts into the bridge shared with the VM; the server end is the
# node's own tap there (tunnel="<id>" in the server's principals file). Runs for ever: when
# ssh ends it is started again after a pause that doubles on each quick failure (capped, so
# that a tunnel is back within half a minute of its path), and a certificate the server no
# longer honours (expired, revoked, replaced) is dropped so that the node enrols again.
#
# Environment (for tests): WALT_VPN_BACKOFF_MIN / WALT_VPN_BACKOFF_MAX (seconds, default 2 and
# 20), WALT_VPN_ALIVE_INTERVAL / WALT_VPN_ALIVE_COUNT (ServerAlive*, default 15 and 4: a dead
# path is noticed within a minute), WALT_VPN_TUNNEL_ONCE=1 (one ssh session, then exit with
# its status).
set -eu
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname -- "$0")/common.sh"

backoff_min=${WALT_VPN_BACKOFF_MIN:-2}
backoff_max=${WALT_VPN_BACKOFF_MAX:-20}
alive_interval=${WALT_VPN_ALIVE_INTERVAL:-15}
alive_count=${WALT_VPN_ALIVE_COUNT:-4}
for v in "$backoff_min" "$backoff_max" "$alive_interval" "$alive_count"; do
    require_uint "a WALT_VPN_BACKOFF_* or WALT_VPN_ALIVE_* setting" "$v"
done
# A zero pause would turn a refused connection into a busy loop.
[ "$backoff_min" -ge 1 ] || backoff_min=1

ensure_key
install_bootstrap
err=$WALT_VPN_STATE/.tunnel.err
up=$WALT_VPN_STATE/.tunnel.up

# Whether the server says our certificate is no longer good. ssh's messages cannot tell:
# a proxy may print anything, "Permission denied" included, in a banner. The server's own
# session can: `status` on the enrolment account (our plain key) answers the serial of the
# live certificate for our key (exit 0), or exit 3 when there is none. An exit status travels
# inside the encrypted session with the pinned server, so no proxy can forge it; anything
# else (a path down, a server busy) keeps the certificate.
certificate_dropped_by_server() {
    probe=0
    live=$(ssh -F "$ssh_config" walt-vpn-enroll status </dev/null 2>/dev/null) || probe=$?
    case $probe in
        3) return 0 ;;
        0) [ "$live" != "$(ssh-keygen -Lf "$node_cert" 2>/dev/null | sed -n 's/^[[:space:]]*Serial: //p')" ] ;;
        *) return 1 ;;
    esac
}
backoff=$backoff_min
while :; do
    # Each round: a clock set wrong (no RTC) is put right once the server can be reached;
    # enroll.sh does it itself, so one request a round.
    if [ ! -s "$node_cert" ]; then
        "$WALT_VPN_LIB/enroll.sh"
    else
        sync_clock
    fi
    ensure_bridge
    say "tunnel: connecting to the server through $(entrypoint walt-vpn-tunnel)"
    started=$(date +%s)
    rc=0
    rm -f "$up"
    # LocalCommand runs once ssh has made the local tap (%T) and the session is up.
    ssh -F "$ssh_config" -N -o Tunnel=ethernet -w any:any \
        -o ExitOnForwardFailure=yes \
        -o ServerAliveInterval="$alive_interval" -o ServerAliveCountMax="$alive_count" \
        -o PermitLocalCommand=yes -o 'LocalCommand="$WALT_VPN_LIB/attach-tap.sh" %T' \
        walt-vpn-tunnel </dev/null 2>"$err" || rc=$?
    say_lines "$err" "tunnel: ssh: "
    say "tunnel: ssh ended with status $rc"
    # A session that never came up may have been refused for the certificate.
    if [ ! -e "$up" ] && [ "$rc" != 0 ] && certificate_dropped_by_server; then
        say "tunnel: the server no longer honours the node certificate (expired, revoked or replaced): enrolling again"
        rm -f "$node_cert"
    fi
    if [ "${WALT_VPN_TUNNEL_ONCE:-}" = 1 ]; then
        exit "$rc"
    fi
    # A session that lasted a while was a working tunnel: start again quickly.
    if [ $(($(date +%s) - started)) -ge 60 ]; then
        backoff=$backoff_min
    fi
    say "tunnel: next attempt in ${backoff}s"
    sleep "$backoff"
    backoff=$((backoff * 2))
    if [ "$backoff" -gt "$backoff_max" ]; then
        backoff=$backoff_max
    fi
done
