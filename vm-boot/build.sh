#!/bin/sh
# Builds rootfs-overlay/usr/lib/walt-vpn/netboot-retry.img, the VM's retry disk: an MBR with
# one FAT partition holding boot.scr, made from netboot-retry.cmd. Run it after editing that
# file and commit the image (the node has none of these tools). Reproducible: fixed ids and
# times, no volume label (mkfs.vfat would date it). Needs u-boot-tools, fdisk, dosfstools, mtools.
set -eu
here=$(cd -- "$(dirname -- "$0")" && pwd)
out=${1:-$here/../rootfs-overlay/usr/lib/walt-vpn/netboot-retry.img}
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1767225600}
export SOURCE_DATE_EPOCH MTOOLS_SKIP_CHECK=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkimage -A arm64 -T script -C none -n walt-vpn-netboot-retry -d "$here/netboot-retry.cmd" "$tmp/boot.scr" >/dev/null
touch -d "@$SOURCE_DATE_EPOCH" "$tmp/boot.scr"
# 256 KiB: the partition starts at sector 1, the smallest FAT12 U-Boot reads.
truncate -s 256K "$tmp/disk.img"
printf 'label-id: 0x57a17b00\nstart=1, type=c, bootable\n' | sfdisk -q --label dos "$tmp/disk.img"
mkfs.vfat -i 57a17b00 --offset 1 "$tmp/disk.img" 255 >/dev/null
mcopy -m -i "$tmp/disk.img@@512" "$tmp/boot.scr" ::boot.scr
mv -f "$tmp/disk.img" "$out"
