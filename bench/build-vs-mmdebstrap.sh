#!/usr/bin/env bash
# Release image build beside the emulated reference, in one run, warm caches both:
#   walt vpn-image build image-recipes/rpi3bp-base.yaml   (no emulation; scripts left to first boot)
#   mmdebstrap --variant=apt, arm64 through qemu-user, the same package set, INITRD=No
# Prints the time per stage of ours, both totals and the ratio (target: at most 0.5).
# With BENCH_FIRST_BOOT=1 it also boots our image under qemu-system-aarch64 -M raspi3b and
# reports how long the first boot's dpkg --configure -a takes: the cost moved to the node.
# Needs root (mmdebstrap's root mode, binfmt_misc); installs what it needs from apt.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(dirname "$here")"
# shellcheck source=bench/timing.sh
. "$here/timing.sh"
recipe="$top/image-recipes/rpi3bp-base.yaml"
[ "$(id -u)" = 0 ] || { echo "bench: run as root (mmdebstrap root mode, binfmt_misc)" >&2; exit 1; }

need=()
for p in mmdebstrap arch-test qemu-user-static debian-archive-keyring qemu-system-arm bc; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# arm64 binaries run through qemu-user: register it unless the system already has.
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  printf '%s' ':qemu-aarch64:M::\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/libexec/qemu-binfmt/aarch64-binfmt-P:OCPF' \
    > /proc/sys/fs/binfmt_misc/register 2>/dev/null ||
  printf '%s' ':qemu-aarch64:M::\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-aarch64-static:OCF' \
    > /proc/sys/fs/binfmt_misc/register
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/walt-build-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cache="${BENCH_CACHE:-$HOME/.cache/walt-vpn-bench}"
mkdir -p "$cache/walt" "$cache/mmdebstrap"
export SOURCE_DATE_EPOCH=1750000000

ours() { "$top/walt" vpn-image build "$recipe" -o "$work" --cache "$cache/walt" --format raw; }
# The same packages: the recipe's list, the kernel and firmware our build adds; --variant=apt
# brings the Essential set and apt, as our build brings the required set.
packages="$(sed -n '/^packages:/,/^[a-z]/s/^  - //p' "$recipe" | tr '\n' ',')linux-image-arm64,raspi-firmware"
ref() {
  rm -f "$work/ref.tar"
  # shellcheck disable=SC2016 # "$1" is for mmdebstrap's hook, not for this shell
  INITRD=No mmdebstrap --mode=root --variant=apt --architectures=arm64 --components=main,non-free-firmware \
    --include="$packages" --skip=essential/unlink \
    --setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
    --setup-hook="sync-in $cache/mmdebstrap /var/cache/apt/archives/" \
    --customize-hook="sync-out /var/cache/apt/archives $cache/mmdebstrap" \
    trixie "$work/ref.tar" http://deb.debian.org/debian
}
secs() { local s e; s=$(date +%s.%N); "$@" > "$work/log" 2>&1 || { cat "$work/log" >&2; return 1; }; e=$(date +%s.%N); echo "$e - $s" | bc; }

echo "bench: warming both caches" >&2
ours >/dev/null
ref >/dev/null 2>&1
t_ours=$(secs ours)
sed -n '/^index/,/^total/p' "$work/log"
t_ref=$(secs ref)
printf '%-28s %8.1f s\n' "walt vpn-image build" "$t_ours" "mmdebstrap (qemu-user)" "$t_ref"
r=$(ratio "$t_ours" "$t_ref")
printf 'ratio: %.3f (target <= 0.5: %s)\n' "$r" "$(verdict "$r" 0.5)"

if [ "${BENCH_FIRST_BOOT:-0}" = 1 ]; then
  img="$work/rpi3bp-base.img"
  cat_boot() { "$top/walt" vpn-image cat "$img@1:/$1"; }
  cat_boot "$(cat_boot config.txt | sed -n 's/^kernel=//p')" > "$work/vmlinuz"
  cat_boot "$(cat_boot config.txt | sed -n 's/^initramfs //p')" > "$work/initrd"
  cat_boot bcm2837-rpi-3-b-plus.dtb > "$work/pi.dtb"
  cp --sparse=always "$img" "$work/sd.img"
  size=$(stat -c %s "$img"); pow=1; while [ "$pow" -lt "$size" ]; do pow=$((pow * 2)); done
  truncate -s "$pow" "$work/sd.img"
  start=$(date +%s)
  # The first boot's work, timed from the console: from the first preinst to "all packages
  # configured" (the cost moved to the node), and to the login prompt.
  timeout 3600 qemu-system-aarch64 -M raspi3b -accel tcg,thread=single -m 1G -kernel "$work/vmlinuz" -initrd "$work/initrd" \
    -dtb "$work/pi.dtb" -append "$(cat_boot cmdline.txt)" -drive "file=$work/sd.img,if=sd,format=raw" -display none \
    -monitor none -serial null -serial stdio -no-reboot 2>&1 | {
      first=""; configured=""
      while IFS= read -r line; do
        case "$line" in
          *"walt-vpn first boot: preinst install"*) [ -n "$first" ] || first=$(date +%s) ;;
          *"walt-vpn first boot: all packages configured"*) configured=$(date +%s) ;;
          # The line before the prompt: "login: " itself has no newline for read to end on.
          *" ttyS1"*)
            echo "first boot under raspi3b TCG: preinst scripts + dpkg --configure -a $(( configured - first )) s;" \
              "login prompt $(( $(date +%s) - start )) s after power-on"
            pkill -f "qemu-system-aarch64 -M raspi3b" || true
            break ;;
        esac
      done
    }
fi
