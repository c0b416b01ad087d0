#!/bin/sh
# walt-vpn-enroll.service: ask the WalT server for the node's certificate until it signs one
# (docs/vpn-protocol.md, "Enrolment"). The request goes through the proxy chain of the site's
# ssh_config: the bootstrap key on the proxies, the node's own key on the server.
#
# Environment (for tests): WALT_VPN_RETRY_MIN / WALT_VPN_RETRY_MAX, the pause between two
# requests in seconds (default 5 to 10, a random value in between so that many nodes
# restarted together do not ask in step).
set -eu
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname -- "$0")/common.sh"

retry_min=${WALT_VPN_RETRY_MIN:-5}
retry_max=${WALT_VPN_RETRY_MAX:-10}
require_uint WALT_VPN_RETRY_MIN "$retry_min"
require_uint WALT_VPN_RETRY_MAX "$retry_max"
[ "$retry_max" -ge "$retry_min" ] || retry_max=$retry_min

ensure_key
install_bootstrap
if [ -s "$node_cert" ]; then
    say "node already enrolled ($node_cert)"
    exit 0
fi
print_fingerprint
wait_wired
mac=$(wired_mac)
entry=$(entrypoint walt-vpn-enroll)
sync_clock

# Keeps the server's answer if it is one certificate line for this node's key; the file is
# renamed into place only once checked.
store_cert() {
    answer=$1
    [ "$(sed -n '$=' "$answer")" = 1 ] || return 1
    tmp=$WALT_VPN_STATE/.cert.tmp
    printf '%s\n' "$(cat "$answer")" >"$tmp"
    if ! info=$(ssh-keygen -Lf "$tmp" 2>/dev/null); then
        rm -f "$tmp"
        return 1
    fi
    # ssh-keygen -L prints "Public key: ED25519-CERT SHA256:..." for the certified key.
    case $info in
        *"Type: ssh-ed25519-cert-v01@openssh.com user certificate"*"-CERT $(key_fingerprint)"*) ;;
        *)
            rm -f "$tmp"
            return 1
            ;;
    esac
    chmod 0644 "$tmp"
    mv -f "$tmp" "$node_cert"
}

# A random whole number of seconds in [retry_min, retry_max].
jitter() {
    r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
    echo $((retry_min + r % (retry_max - retry_min + 1)))
}

# The daemon's answer comes framed on stdout, as netcat relays it (docs/vpn-protocol.md,
# "Enrolment"): "out TEXT" lines are its stdout, "err TEXT" its messages and the last line
# "exit N" its status. stdout comes from the server's own session, which no proxy can write
# into. An answer without its exit line is the forced command's own (a malformed request, the
# daemon down: a message on stderr and exit 4), netcat's or ssh's.
decode_answer() {
    if [ "$rc" != 255 ] && grep -q '^exit [0-9][0-9]*$' "$raw"; then
        rc=$(sed -n 's/^exit \([0-9][0-9]*\)$/\1/p' "$raw" | tail -n 1)
        sed -n 's/^out //p' "$raw" >"$out"
        sed -n 's/^err //p' "$raw" >>"$err"
    else
        : >"$out"
        # netcat's own ends: the daemon's socket refused it (1), or the daemon went away
        # before its exit line (0).
        if [ "$rc" = 0 ] || [ "$rc" = 1 ]; then
            rc=4
            echo 'error: the WalT VPN server is not running (no complete answer)' >>"$err"
        fi
    fi
    rm -f "$raw"
}

raw=$WALT_VPN_STATE/.enroll.raw
out=$WALT_VPN_STATE/.enroll.out
err=$WALT_VPN_STATE/.enroll.err
attempt=0
while :; do
    attempt=$((attempt + 1))
    say "enrolment request $attempt to $entry (mac $mac, key $(key_fingerprint))"
    rc=0
    ssh -F "$ssh_config" walt-vpn-enroll enroll "$mac" </dev/null >"$raw" 2>"$err" || rc=$?
    decode_answer
    case $rc in
        0)
            if store_cert "$out"; then
                say "enrolment request to $entry accepted: certificate stored in $node_cert"
                ssh-keygen -Lf "$node_cert" | grep -E '^[[:space:]]*(Key ID|Serial|Valid):' |
                    while IFS= read -r l; do say "  $(printf '%s' "$l" | clean_line)"; done
                rm -f "$out" "$err"
                exit 0
            fi
            outcome="failed: the answer is not one certificate line for this node's key: $(head -c 200 "$out" | clean_line)"
            ;;
        3) outcome="denied: $(grep '^denied:' "$err" | tail -n 1 | sed 's/^denied:[[:space:]]*//' | clean_line)" ;;
        4) outcome="failed: server error: $(grep '^error:' "$err" | tail -n 1 | sed 's/^error:[[:space:]]*//' | clean_line)" ;;
        255) outcome="failed: ssh could not connect: $(last_line "$err" 'no message')" ;;
        *) outcome="failed: exit $rc: $(last_line "$err" 'no message')" ;;
    esac
    pause=$(jitter)
    say "enrolment request to $entry $outcome; next request in ${pause}s"
    sleep "$pause"
done
