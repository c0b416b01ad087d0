#!/bin/sh
# walt-vpn-tunnel.service: the Ethernet-over-SSH tunnel to the WalT server. ssh makes a local
# tap (tapN) that attach-tap.sh puts into the bridge shared with the VM; the server end is the
# node's own tap there (tunnel="<id>" in the server's principals file). Runs for ever: when
# ssh ends it is started again after a pause that doubles on each quick failure (capped),
# and a certificate the server refuses (expired, revoked) is dropped so that the node
# enrols again.
#
# Environment (for tests): WALT_VPN_BACKOFF_MIN / WALT_VPN_BACKOFF_MAX (seconds, default 5 and
# 300), WALT_VPN_ALIVE_INTERVAL / WALT_VPN_ALIVE_COUNT (ServerAlive*, default 15 and 4: a dead
# path is noticed within a minute), WALT_VPN_TUNNEL_ONCE=1 (one ssh session, then exit with
# its status).
set -eu
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname -- "$0")/common.sh"

backoff_min=${WALT_VPN_BACKOFF_MIN:-5}
backoff_max=${WALT_VPN_BACKOFF_MAX:-300}
alive_interval=${WALT_VPN_ALIVE_INTERVAL:-15}
alive_count=${WALT_VPN_ALIVE_COUNT:-4}
for v in "$backoff_min" "$backoff_max" "$alive_interval" "$alive_count"; do
    require_uint "a WALT_VPN_BACKOFF_* or WALT_VPN_ALIVE_* setting" "$v"
done
# A zero pause would turn a refused connection into a busy loop.
[ "$backoff_min" -ge 1 ] || backoff_min=1

ensure_key
install_bootstrap
# "user@host: Permission denied" is how ssh reports a refused login; only the server hop's
# refusal means the certificate is bad (a proxy refusing the bootstrap key does not).
server_login="$(ssh_get walt-vpn-tunnel user)@$(ssh_get walt-vpn-tunnel hostname): Permission denied"
err=$WALT_VPN_STATE/.tunnel.err
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
    # LocalCommand runs once ssh has made the local tap (%T) and the session is up.
    ssh -F "$ssh_config" -N -o Tunnel=ethernet -w any:any \
        -o ExitOnForwardFailure=yes \
        -o ServerAliveInterval="$alive_interval" -o ServerAliveCountMax="$alive_count" \
        -o PermitLocalCommand=yes -o 'LocalCommand="$WALT_VPN_LIB/attach-tap.sh" %T' \
        walt-vpn-tunnel </dev/null 2>"$err" || rc=$?
    say_lines "$err" "tunnel: ssh: "
    say "tunnel: ssh ended with status $rc"
    if grep -qF -- "$server_login" "$err"; then
        say "tunnel: the server refused the node certificate (expired or revoked): enrolling again"
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
