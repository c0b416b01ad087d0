#!/usr/bin/env bash
# Speed and memory of our filesystem writers beside the reference tools, in one run, on the
# same trees: `walt vpn-image mkfs ext4` vs `mke2fs -d`, `walt vpn-image mkfs fat` vs
# `mkfs.vfat` + `mcopy`. Prints medians of 7 warm runs, taken in turn, ratios and our peak RSS.
# The trees: 50,000 files and 1.1 GB, with owners and xattrs (as root) that both ext4 writers
# keep, the FAT one without the symlinks and attributes FAT cannot hold; and a small FAT tree
# (2,000 files, 200 MB), where the JVM's start weighs most.
# BENCH_FILES and BENCH_BYTES shrink the large trees for a quick smoke run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(dirname "$here")"
files="${BENCH_FILES:-50000}"
bytes="${BENCH_BYTES:-1100000000}"
runs="${BENCH_RUNS:-7}"
# shellcheck source=bench/timing.sh
. "$here/timing.sh"

need() {
  for t in "$@"; do
    command -v "$t" >/dev/null || { echo "bench: $t is missing (apt-get install e2fsprogs eatmydata dosfstools mtools time python3 bc)" >&2; exit 1; }
  done
}
need mke2fs e2fsck eatmydata mkfs.vfat mcopy fsck.fat python3 bc /usr/bin/time
"$top/walt" vpn-image mkfs --help >/dev/null

work="$(mktemp -d "${TMPDIR:-/tmp}/walt-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
echo "bench: generating trees in $work ($files files, $bytes bytes)" >&2
python3 "$here/make-tree.py" "$work/tree" "$files" "$bytes"
python3 "$here/make-tree.py" "$work/fattree" "$files" "$bytes" --fat
python3 "$here/make-tree.py" "$work/fatsmall" 2000 200000000 --fat
du -sb "$work/tree" "$work/fattree" "$work/fatsmall" >&2
# FAT32 room: the content, a cluster's slack per file, and headroom.
fat_kib=$(( (bytes * 3 / 2 + 64 * 1048576) / 1024 ))

ext4_size=$((3 * 1024 * 1024 * 1024))
# mke2fs forces its output to disk (fsync); our default leaves it to the page cache, as cp and
# mcopy do. Like is timed against like: walt --sync against mke2fs as it runs, and walt's
# default against mke2fs under eatmydata (its fsync made a no-op).
ref_ext4() { mke2fs -q -t ext4 -d "$work/tree" -E root_owner=0:0 "$work/ref.img" "$((ext4_size / 1024))k"; }
ref_ext4_cached() { eatmydata mke2fs -q -t ext4 -d "$work/tree" -E root_owner=0:0 "$work/ref-cached.img" "$((ext4_size / 1024))k"; }
our_ext4() { "$top/walt" vpn-image mkfs ext4 --from "$work/tree" --size "$ext4_size" -o "$work/our.img"; }
our_ext4_sync() { "$top/walt" vpn-image mkfs ext4 --sync --from "$work/tree" --size "$ext4_size" -o "$work/our-sync.img"; }
ref_fat() { mkfs.vfat -F 32 -C "$work/ref.fat" "$fat_kib" >/dev/null && MTOOLS_SKIP_CHECK=1 mcopy -s -m -i "$work/ref.fat" "$work"/fattree/* ::/; }
our_fat() { "$top/walt" vpn-image mkfs fat --from "$work/fattree" --size "${fat_kib}K" -o "$work/our.fat"; }
ref_fat_small() { mkfs.vfat -F 32 -C "$work/ref-small.fat" 307200 >/dev/null && MTOOLS_SKIP_CHECK=1 mcopy -s -m -i "$work/ref-small.fat" "$work"/fatsmall/* ::/; }
our_fat_small() { "$top/walt" vpn-image mkfs fat --from "$work/fatsmall" --size 300M -o "$work/our-small.fat"; }

medians "$work/ref.img" ref_ext4 "$work/ref-cached.img" ref_ext4_cached \
  "$work/our.img" our_ext4 "$work/our-sync.img" our_ext4_sync > "$work/t.ext4"
{ read -r t_ref_ext4; read -r t_ref_ext4_cached; read -r t_our_ext4; read -r t_our_ext4_sync; } < "$work/t.ext4"
medians "$work/ref.fat" ref_fat "$work/our.fat" our_fat \
  "$work/ref-small.fat" ref_fat_small "$work/our-small.fat" our_fat_small > "$work/t.fat"
{ read -r t_ref_fat; read -r t_our_fat; read -r t_ref_fat_small; read -r t_our_fat_small; } < "$work/t.fat"

for f in our.img our-sync.img ref.img ref-cached.img; do
  e2fsck -fn "$work/$f" >/dev/null 2>&1 || { echo "bench: ext4 image $f is not clean" >&2; exit 1; }
done
for f in our.fat ref.fat our-small.fat ref-small.fat; do
  fsck.fat -n "$work/$f" >/dev/null 2>&1 || { echo "bench: FAT image $f is not clean" >&2; exit 1; }
done

# Peak resident memory (MiB) of the walt JVM: the launcher execs java, so time(1) sees it.
rss() {
  rm -f "$work/rss.img"
  /usr/bin/time -f '%M' -o "$work/rss" "$top/walt" vpn-image mkfs "$@" -o "$work/rss.img" >/dev/null 2>&1
  echo $(( $(cat "$work/rss") / 1024 ))
}
rss_ext4=$(rss ext4 --from "$work/tree" --size "$ext4_size")
rss_fat=$(rss fat --from "$work/fattree" --size "${fat_kib}K")

r_ext4=$(ratio "$t_our_ext4" "$t_ref_ext4_cached")
r_ext4_sync=$(ratio "$t_our_ext4_sync" "$t_ref_ext4")
r_ext4_defaults=$(ratio "$t_our_ext4" "$t_ref_ext4")
r_fat=$(ratio "$t_our_fat" "$t_ref_fat")
r_fat_small=$(ratio "$t_our_fat_small" "$t_ref_fat_small")
printf '%-6s %12s %12s %8s %10s\n' fs "reference s" "walt s" ratio "walt RSS"
printf '%-6s %12.2f %12.2f %8.2f %7s MiB   (both forced to disk: mke2fs; walt --sync)\n' ext4 "$t_ref_ext4" "$t_our_ext4_sync" "$r_ext4_sync" "$rss_ext4"
printf '%-6s %12.2f %12.2f %8.2f             (both left to the page cache: eatmydata mke2fs; walt)\n' ext4 "$t_ref_ext4_cached" "$t_our_ext4" "$r_ext4"
printf '%-6s %12.2f %12.2f %8.2f             (each as it runs by default: mke2fs; walt)\n' ext4 "$t_ref_ext4" "$t_our_ext4" "$r_ext4_defaults"
printf '%-6s %12.2f %12.2f %8.2f %7s MiB\n' fat "$t_ref_fat" "$t_our_fat" "$r_fat" "$rss_fat"
printf '%-6s %12.2f %12.2f %8.2f             (small tree: 2,000 files, 200 MB)\n' fat "$t_ref_fat_small" "$t_our_fat_small" "$r_fat_small"
echo "ext4 ratio <= 0.35, both forced to disk: $(verdict "$r_ext4_sync" 0.35)"
echo "ext4 ratio <= 0.5, both left to the page cache: $(verdict "$r_ext4" 0.5)"
echo "fat ratio <= 0.4: $(verdict "$r_fat" 0.4)"
printf "fat ratio, small tree: %.2f (no target: on 2,000 files the JVM's start weighs most)\n" "$r_fat_small"
echo "peak RSS < 512 MiB: $(verdict "$(( rss_ext4 > rss_fat ? rss_ext4 : rss_fat ))" 511)"
