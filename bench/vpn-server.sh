#!/usr/bin/env bash
# The VPN server side under load, in one run, on this machine's network namespaces:
#   - enrolment latency: from the operator's accept to the certificate in the node's hands;
#   - tunnel throughput: TCP through the node's Ethernet-over-SSH tunnel into walt-net, as a
#     ratio to plain ssh carrying the same bytes over the same path;
#   - server memory per connected node, with BENCH_NODES (default 100) tunnels up at once;
#   - server memory per open enrolment connection, with BENCH_ENROL (default 200) requests
#     held open at once, each waiting for an operator who never answers (what anyone with the
#     public bootstrap key can hold; goal: under 2 MiB each).
# Real sshd, real ssh, the packaged walt jar. Needs root (namespaces, taps, accounts).
# BENCH_NODES is at least 10 (the latency is the median of the first 10 enrolments);
# BENCH_MIB sets the bytes sent each way; BENCH_KEEP=1 leaves /run/walt-vpn-bench for a look.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(dirname "$here")"
nodes="${BENCH_NODES:-100}"
enrols="${BENCH_ENROL:-200}"
mib="${BENCH_MIB:-256}"
[ "$(id -u)" = 0 ] || { echo "bench: run as root (network namespaces, taps, accounts)" >&2; exit 1; }
for t in sshd ssh ssh-keygen ip python3 bc; do
  command -v "$t" >/dev/null || { echo "bench: $t is missing (apt-get install openssh-server iproute2 python3 bc)" >&2; exit 1; }
done
"$top/walt" --help >/dev/null
jar="$top/target/walt-vpn.jar"
java="$(command -v java)"

base=/run/walt-vpn-bench
srv=wvb-srv
node=wvb-node
created_users=()
cleanup() {
  set +e
  for ns in "$node" "$srv"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
  done
  sleep 1
  for ns in "$node" "$srv"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
    ip netns del "$ns" 2>/dev/null
  done
  for u in "${created_users[@]}"; do userdel "$u" 2>/dev/null; done
  [ -n "${tun_state:-}" ] && chgrp "${tun_state% *}" /dev/net/tun && chmod "${tun_state#* }" /dev/net/tun
  rm -rf "$base"
}
[ -n "${BENCH_KEEP:-}" ] || trap cleanup EXIT
rm -rf "$base"; mkdir -p "$base/keys" /run/sshd
tun_state="$(stat -c '%g %a' /dev/net/tun)"
for u in walt-vpn walt-vpn-enroll; do id -u "$u" >/dev/null 2>&1 || created_users+=("$u"); done
for ns in "$srv" "$node"; do ip netns del "$ns" 2>/dev/null || true; ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip link add eth0 netns "$srv" type veth peer name eth0 netns "$node"
ip -n "$srv" addr add 10.77.0.1/24 dev eth0; ip -n "$srv" link set eth0 up
ip -n "$node" addr add 10.77.0.2/24 dev eth0; ip -n "$node" link set eth0 up

opts=(--state-dir "$base/state" --run-dir "$base/run" --sshd-drop-in "$base/sshd/walt-vpn.conf" --libexec-dir "$base/lib" --bridge wvb-net)
ip netns exec "$srv" "$java" -jar "$jar" vpn-server init "${opts[@]}" --systemd-dir /nonexistent >/dev/null
ssh-keygen -q -t ed25519 -N '' -f "$base/hostkey"
ssh-keygen -q -t ed25519 -N '' -f "$base/rootkey"
mkdir -p "$base/authorized"; cp "$base/rootkey.pub" "$base/authorized/root"
cat > "$base/sshd_config" <<CFG
ListenAddress 10.77.0.1
HostKey $base/hostkey
PidFile $base/sshd.pid
UsePAM no
MaxStartups 200:30:400
MaxSessions 10
PermitRootLogin prohibit-password
AuthorizedKeysFile $base/authorized/%u
Include $base/sshd/walt-vpn.conf
CFG
ip netns exec "$srv" /usr/sbin/sshd -f "$base/sshd_config" -E "$base/sshd.log"
# Caps as high as the connections held below: every one of them holds a waiting request.
ip netns exec "$srv" "$java" -Xmx256m -jar "$jar" vpn-server run "${opts[@]}" --max-pending "$enrols" \
  --max-pending-per-source "$enrols" >"$base/daemon.log" 2>&1 &
for _ in $(seq 100); do [ -S "$base/run/admin.sock" ] && break; sleep 0.2; done
echo "10.77.0.1 $(cat "$base/hostkey.pub")" > "$base/known_hosts"
printf '%s\n' ssh -F /dev/null -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes \
  -o "UserKnownHostsFile=$base/known_hosts" walt-vpn-enroll@10.77.0.1 > "$base/ssh-prefix"

echo "bench: making $nodes node keys" >&2
for i in $(seq "$nodes"); do ssh-keygen -q -t ed25519 -N '' -f "$base/keys/node-$i"; done

# Enrolment: the first 10 one at a time (latency), the rest four at once (the per-source cap).
echo "bench: enrolling $nodes nodes" >&2
python3 "$here/vpn-enrol.py" "$base/run/admin.sock" "$node" "$base/ssh-prefix" "$base/keys" 1 10 1 > "$base/latency"
if [ "$nodes" -gt 10 ]; then
  python3 "$here/vpn-enrol.py" "$base/run/admin.sock" "$node" "$base/ssh-prefix" "$base/keys" 11 "$nodes" 4 >/dev/null
fi
latency="$(sed -n 's/^median //p' "$base/latency")"

tunnel() { # KEY: one node's tunnel, in the background
  ip netns exec "$node" ssh -F /dev/null -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes \
    -o "UserKnownHostsFile=$base/known_hosts" -i "$1" -o "CertificateFile=$1-cert.pub" -N -o Tunnel=ethernet -w any:any \
    -o ExitOnForwardFailure=yes walt-vpn@10.77.0.1 &
}

# Throughput: the same bytes through plain ssh, then through node 1's tunnel.
echo "bench: throughput, $mib MiB each way" >&2
sink='import socket,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((sys.argv[1], 5001)); s.listen(1)
c,_=s.accept()
while c.recv(1<<20): pass'
source='import socket,sys,time
b=bytes(1<<20); s=socket.create_connection((sys.argv[1], 5001)); t=time.monotonic()
for _ in range(int(sys.argv[2])): s.sendall(b)
s.shutdown(socket.SHUT_WR); s.recv(1); print(time.monotonic()-t)'
plain_s="$( { /usr/bin/time -f '%e' ip netns exec "$node" sh -c "head -c ${mib}M /dev/zero | ssh -F /dev/null -i $base/rootkey -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile=$base/known_hosts root@10.77.0.1 'cat >/dev/null'" ; } 2>&1 | tail -1)"
tunnel "$base/keys/node-1"; first_tunnel=$!
for _ in $(seq 100); do ip -n "$node" link show tap0 >/dev/null 2>&1 && [ "$(ip netns exec "$srv" cat /sys/class/net/tap1/carrier 2>/dev/null)" = 1 ] && break; sleep 0.2; done
ip -n "$srv" addr add 10.78.0.1/24 dev wvb-net
ip -n "$node" addr add 10.78.0.2/24 dev tap0; ip -n "$node" link set tap0 up
ip netns exec "$node" ping -c 1 -W 5 10.78.0.1 >/dev/null
ip netns exec "$srv" python3 -c "$sink" 10.78.0.1 & sinkpid=$!
sleep 0.5
tunnel_s="$(ip netns exec "$node" python3 -c "$source" 10.78.0.1 "$mib")"
wait "$sinkpid" || true

# Memory: every process in the server's namespace (sshd and its sessions, the enrolment
# command's netcat, the daemon), proportional set size, in KiB.
pss_server() {
  local sum=0 p
  for p in $(ip netns pids "$srv"); do
    sum=$((sum + $(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)))
  done
  echo "$sum"
}
# The same, per program and user: "COMMAND USER COUNT KIB" lines.
pss_by_program() {
  local p
  for p in $(ip netns pids "$srv"); do
    printf '%s %s %s\n' "$(cat "/proc/$p/comm" 2>/dev/null)" "$(stat -c %U "/proc/$p" 2>/dev/null)" \
      "$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null)"
  done | awk 'NF == 3 { n[$1 " " $2]++; k[$1 " " $2] += $3 } END { for (x in n) print x, n[x], k[x] }' | sort
}
echo "bench: $enrols enrolment connections held open" >&2
for i in $(seq "$enrols"); do ssh-keygen -q -t ed25519 -N '' -f "$base/keys/held-$i"; done
python3 -c 'import socket,sys,time
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"{\"op\":\"monitor\"}\n"); time.sleep(3600)' \
  "$base/run/admin.sock" & silent_operator=$!
sleep 1
enrol_before="$(pss_server)"
pss_by_program > "$base/enrol-memory-before"
held=()
mapfile -t prefix < "$base/ssh-prefix"
for i in $(seq "$enrols"); do
  ip netns exec "$node" "${prefix[@]:0:${#prefix[@]}-1}" -i "$base/keys/held-$i" "${prefix[-1]}" \
    enroll "$(printf 'b8:27:eb:77:%02x:%02x' $((i >> 8)) $((i & 255)))" >/dev/null 2>&1 &
  held+=($!)
  [ $((i % 20)) = 0 ] && sleep 1
done
open=0
for _ in $(seq 300); do
  open="$(grep -c 'enrolment request [0-9]* mac=b8:27:eb:77' "$base/state/audit.log" || true)"
  [ "$open" -ge "$enrols" ] && break; sleep 0.5
done
sleep 3
enrol_after="$(pss_server)"
pss_by_program > "$base/enrol-memory"
relays="$(pgrep -c -u walt-vpn-enroll nc.openbsd || true)"
jvms="$(pgrep -c -u walt-vpn-enroll java || true)"
kill "${held[@]}" "$silent_operator" 2>/dev/null || true
wait "${held[@]}" 2>/dev/null || true
sleep 2

# Memory: what the server holds (sshd sessions and the daemon, proportional set size) before
# and with every node's tunnel up.
pss_total() {
  local sum=0 p
  for p in $(pgrep -x sshd) $(pgrep -f "vpn-server run"); do
    sum=$((sum + $(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)))
  done
  echo "$sum"
}
kill "$first_tunnel" 2>/dev/null || true; sleep 1
before="$(pss_total)"
echo "bench: $nodes tunnels up" >&2
for i in $(seq "$nodes"); do tunnel "$base/keys/node-$i"; [ $((i % 10)) = 0 ] && sleep 1; done
up=0
for _ in $(seq 300); do
  up="$(ip netns exec "$srv" sh -c 'cat /sys/class/net/tap*/carrier 2>/dev/null' | grep -c '^1$' || true)"
  [ "$up" -ge "$nodes" ] && break; sleep 0.5
done
sleep 2
after="$(pss_total)"

per_node_kib=$(( (after - before) / nodes ))
ratio="$(echo "scale=2; $plain_s / $tunnel_s" | bc)"
printf 'enrolment latency, accept to certificate (median of 10): %s s\n' "$latency"
printf 'throughput: plain ssh %.1f MiB/s, tunnel %.1f MiB/s, ratio %s\n' \
  "$(echo "$mib / $plain_s" | bc -l)" "$(echo "$mib / $tunnel_s" | bc -l)" "$ratio"
printf 'server memory: %d KiB before, %d KiB with %d of %d tunnels up: %d KiB per node\n' "$before" "$after" "$up" "$nodes" "$per_node_kib"
per_enrol_kib=$(( (enrol_after - enrol_before) / enrols ))
printf 'server memory: %d KiB before, %d KiB with %d of %d enrolment requests open (%d relays, %d JVMs): %d KiB per connection (goal: under 2048): %s\n' \
  "$enrol_before" "$enrol_after" "$open" "$enrols" "$relays" "$jvms" "$per_enrol_kib" \
  "$([ "$per_enrol_kib" -lt 2048 ] && [ "$open" -ge "$enrols" ] && echo met || echo NOT MET)"
# What each program added: processes and KiB (the daemon's growth shows as java).
awk 'NR == FNR { before[$1 " " $2] = $4; next }
  { d = $4 - before[$1 " " $2]; printf "  %-12s %-16s %4d processes, +%7d KiB\n", $1, $2, $3, d }' \
  "$base/enrol-memory-before" "$base/enrol-memory"
