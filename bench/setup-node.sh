#!/usr/bin/env bash
# walt vpn setup-node on a cached node base image beside `cp --sparse=always` of the same
# image, in one run: setup-node's work is a sparse copy plus the site folder written into the
# boot partition, so the copy is its floor. Target: at most 1.2 times the copy.
# The base is the one setup-node caches from image-recipes/rpi3bp-vpn-node.yaml (built on the
# first run: needs the Debian mirror or a warm cache). Medians of BENCH_RUNS (3) warm runs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(dirname "$here")"
runs="${BENCH_RUNS:-3}"
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
base="$(ls -t "${XDG_CACHE_HOME:-$HOME/.cache}"/walt-vpn/node-images/rpi3bp-vpn-node-*/rpi3bp-vpn-node.img | head -1)"
reference() {
  cp --sparse=always "$base" "$work/copy.img"
}

# Each run starts with no output file; removing the previous one (and its cached pages) is
# not timed.
median() {
  local t=()
  rm -f "$work/site.img" "$work/copy.img"
  "$@" >/dev/null 2>&1 || { echo "bench: $* failed" >&2; return 1; }
  "$top/walt" --version >/dev/null   # puts a first run's classes into walt's class archive
  for _ in $(seq "$runs"); do
    local s e
    rm -f "$work/site.img" "$work/copy.img"; sync
    s=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || { echo "bench: $* failed" >&2; return 1; }
    e=$(date +%s.%N)
    t+=("$(echo "$e - $s" | bc)")
  done
  printf '%s\n' "${t[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}
t_ref=$(median reference)
t_ours=$(median ours)
ratio=$(echo "scale=6; $t_ours / $t_ref" | bc)
printf 'base image: %d MiB (%d MiB of data)\n' $(( $(stat -c %s "$base") >> 20 )) $(( $(du -k "$base" | cut -f1) >> 10 ))
printf 'cp --sparse=always: %.2f s   walt vpn setup-node: %.2f s   ratio %.2f\n' "$t_ref" "$t_ours" "$ratio"
if [ "$(echo "$ratio <= 1.2" | bc)" = 1 ]; then echo "setup-node ratio <= 1.2: PASS"; else echo "setup-node ratio <= 1.2: MISS"; fi
