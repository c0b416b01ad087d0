#!/usr/bin/env bash
# How fast the VPN comes back after each fault: runs the end-to-end fault test (VpnFaultsIT:
# real sshd on a proxy made by the setup script and on the server, the packaged server, the
# node's own scripts with their default pauses) and prints, for each fault, the seconds from
# the moment the path is back until the node's tunnel is up again and until its VM's network
# reaches walt-net, with a verdict against the goal (30 s). Needs root (network namespaces,
# taps, accounts); takes about five minutes (one fault is a link down for 90 s).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(dirname "$here")"
goal="${BENCH_GOAL:-30}"
[ "$(id -u)" = 0 ] || { echo "bench: run as root (network namespaces, taps, accounts)" >&2; exit 1; }
cd "$top"
rm -f target/vpn-faults.txt
mvn -B -ntp -q verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=VpnFaultsIT >&2
[ -s target/vpn-faults.txt ] || { echo "bench: the fault test recorded no times" >&2; exit 1; }
# Lines are "fault | what N.N s ..." with one or more times; the largest decides.
awk -F ' [|] ' -v goal="$goal" '{
    worst = 0
    for (i = 2; i <= NF; i++) {
        n = split($i, w, " ")
        for (j = 1; j < n; j++) if (w[j + 1] == "s" && w[j] + 0 > worst) worst = w[j] + 0
    }
    printf "%s  [goal %d s: %s]\n", $0, goal, worst <= goal ? "met" : "NOT MET"
}' target/vpn-faults.txt
