#!/usr/bin/env bash
# walt vpn setup-node --device beside `bmaptool copy` of the same image to the same loop device,
# in one run. bmaptool is handed the finished image and its block map; setup-node makes the image
# too (a sparse copy of the cached base plus the site folder, timed alone as well) before it
# writes the mapped blocks and reads them back past the page cache, where bmaptool only checks
# the image's bytes as it reads them. Target: at most 1.1 times bmaptool.
# The base is the one setup-node caches from image-recipes/rpi3bp-vpn-node.yaml (built on the
# first run: needs the Debian mirror or a warm cache). Root (losetup). Medians of BENCH_RUNS (3).
# The card's backing file is in BENCH_CARD_DIR (/dev/shm): a card is a disk of its own, so its
# writes should not queue behind the write-back of the image file on the same disk.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(dirname "$here")"
runs="${BENCH_RUNS:-3}"
# shellcheck source=bench/timing.sh
. "$here/timing.sh"
for t in ssh-keygen bc bmaptool losetup cmp; do
  command -v "$t" >/dev/null || { echo "bench: $t is missing (apt-get install openssh-client bc bmap-tools mount diffutils)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "bench: needs root (a loop device)" >&2; exit 1; }
work="$(mktemp -d "${TMPDIR:-/var/tmp}/walt-bench-device.XXXXXX")"
card="$(mktemp "${BENCH_CARD_DIR:-/dev/shm}/walt-bench-card.XXXXXX")"
loop=""
trap '[ -z "$loop" ] || losetup -d "$loop"; rm -rf "$work" "$card"' EXIT

mkdir -p "$work/state" "$work/hostkeys"
ssh-keygen -q -t ed25519 -N '' -f "$work/hostkeys/ssh_host_ed25519_key"
site() {
  "$top/walt" vpn setup-node --entrypoint walt.example.org --server walt.example.org \
    --server-host-keys "$work/hostkeys" --state-dir "$work/state" "$@"
}
echo "bench: node base image (built once, then from the cache)" >&2
site -o "$work/site.img" --bmap >/dev/null
# The card: a zeroed file as large as the image and a little more, on a loop device.
truncate -s $(( $(stat -c %s "$work/site.img") + (64 << 20) )) "$card"
loop="$(losetup --find --show "$card")"

reference() {
  bmaptool -q copy --bmap "$work/site.bmap" "$work/site.img" "$loop"
}
image_only() {
  site -o "$work/alone.img"
}
ours() {
  site -o "$work/device.img" --device "$loop" --force --yes
}

medians "$work/none" reference "$work/alone.img" image_only "$work/device.img" ours > "$work/times"
{ read -r t_ref; read -r t_img; read -r t_ours; } < "$work/times"
cmp -n "$(stat -c %s "$work/device.img")" "$work/device.img" "$loop" >/dev/null \
  || { echo "bench: the card does not hold setup-node's image" >&2; exit 1; }
r=$(ratio "$t_ours" "$t_ref")
printf 'image: %d MiB (%d MiB of data)\n' $(( $(stat -c %s "$work/site.img") >> 20 )) $(( $(du -k "$work/site.img" | cut -f1) >> 10 ))
printf 'bmaptool copy: %.2f s   setup-node -o: %.2f s   setup-node --device: %.2f s   ratio %.2f\n' \
  "$t_ref" "$t_img" "$t_ours" "$r"
echo "setup-node --device ratio <= 1.1: $(verdict "$r" 1.1)"
