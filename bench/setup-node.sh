#!/usr/bin/env bash
# walt vpn setup-node on a cached node base image beside `cp --sparse=always` of the same
# image, in one run: setup-node's work is a sparse copy plus the site folder written into the
# boot partition, so the copy is its floor. Target: at most 2.0 times the copy (re-based from
# 1.2: one JVM start costs about 0.26 s at best here, against a copy of well under a second).
# The base is the one setup-node caches from image-recipes/rpi3bp-vpn-node.yaml (built on the
# first run: needs the Debian mirror or a warm cache). Medians of BENCH_RUNS (5) warm runs:
# on this machine one run can be 0.1 s off its neighbours.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(dirname "$here")"
runs="${BENCH_RUNS:-5}"
# shellcheck source=bench/timing.sh
. "$here/timing.sh"
for t in ssh-keygen bc; do
  command -v "$t" >/dev/null || { echo "bench: $t is missing (apt-get install openssh-client bc)" >&2; exit 1; }
done
work="$(mktemp -d "${TMPDIR:-/var/tmp}/walt-bench-node.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# A site: a server state with its keys, host keys to pin, an entrypoint proxy.
mkdir -p "$work/state" "$work/hostkeys"
ssh-keygen -q -t ed25519 -N '' -f "$work/hostkeys/ssh_host_ed25519_key"
ssh-keygen -q -t ed25519 -N '' -f "$work/proxy"
echo "host-key: $(cut -d' ' -f1,2 "$work/proxy.pub")" > "$work/proxy-keys"
ours() {
  "$top/walt" vpn setup-node --entrypoint entry.example.org --host-keys "entry.example.org=$work/proxy-keys" \
    --server walt.example.org --server-host-keys "$work/hostkeys" --state-dir "$work/state" -o "$work/site.img"
}
echo "bench: node base image (built once, then from the cache)" >&2
rm -f "$work/site.img"
ours >/dev/null
base="$(find "${XDG_CACHE_HOME:-$HOME/.cache}/walt-vpn/node-images" -path '*/rpi3bp-vpn-node-*/rpi3bp-vpn-node.img' \
  -printf '%T@ %p\n' | sort -n | tail -1 | cut -d' ' -f2-)"
reference() {
  cp --sparse=always "$base" "$work/copy.img"
}

medians "$work/copy.img" reference "$work/site.img" ours > "$work/times"
{ read -r t_ref; read -r t_ours; } < "$work/times"
r=$(ratio "$t_ours" "$t_ref")
printf 'base image: %d MiB (%d MiB of data)\n' $(( $(stat -c %s "$base") >> 20 )) $(( $(du -k "$base" | cut -f1) >> 10 ))
printf 'cp --sparse=always: %.2f s   walt vpn setup-node: %.2f s   ratio %.2f\n' "$t_ref" "$t_ours" "$r"
echo "setup-node ratio <= 2.0: $(verdict "$r" 2.0)"
