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

out=$WALT_VPN_STATE/.enroll.out
err=$WALT_VPN_STATE/.enroll.err
attempt=0
while :; do
    attempt=$((attempt + 1))
    say "enrolment request $attempt to $entry (mac $mac, key $(key_fingerprint))"
    rc=0
    ssh -F "$ssh_config" walt-vpn-enroll enroll "$mac" </dev/null >"$out" 2>"$err" || rc=$?
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
