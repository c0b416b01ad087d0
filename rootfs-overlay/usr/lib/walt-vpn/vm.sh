#!/bin/sh
# walt-vpn-vm.service: the virtual machine that is the WalT node. It network-boots (U-Boot:
# DHCP, then the boot script or EFI binary offered by TFTP) from the WalT server through the tunnel: its
# NIC is a tap in the bridge that also holds the tunnel's tap. The Pi's USB ports are passed
# through, so what is plugged into the board shows up in the WalT node.
#
# The VM's MAC is 52:54:00 followed by the last three bytes of the board's wired MAC: stable
# across reboots and re-flashes of the same board, unique among Raspberry Pis (they share the
# first three bytes, b8:27:eb), and in the locally administered range (0x52 has that bit set),
# so it never equals a real board's MAC.
#
# Environment (for tests): WALT_VPN_VM_TAP (walt-vpn-vm), WALT_VPN_VM_FIRMWARE (U-Boot for
# QEMU's virt machine), WALT_VPN_VM_RETRY_DISK (netboot-retry.img next to this script),
# WALT_VPN_KVM_DEVICE (/dev/kvm), WALT_VPN_VM_WAIT_TUNNEL=0 (start without waiting for the
# tunnel), WALT_VPN_VM_DRY_RUN=1 (print QEMU's command, one argument a line, and exit).
set -eu
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname -- "$0")/common.sh"

vm_tap=${WALT_VPN_VM_TAP:-walt-vpn-vm}
firmware=${WALT_VPN_VM_FIRMWARE:-/usr/lib/u-boot/qemu_arm64/u-boot.bin}
kvm=${WALT_VPN_KVM_DEVICE:-/dev/kvm}
dry_run=${WALT_VPN_VM_DRY_RUN:-0}
retry_disk=${WALT_VPN_VM_RETRY_DISK:-$WALT_VPN_LIB/netboot-retry.img}

memory=$(conf_get WALT_VPN_VM_MEMORY)
cpus=$(conf_get WALT_VPN_VM_CPUS)
memory=${memory:-512}
cpus=${cpus:-2}
require_uint WALT_VPN_VM_MEMORY "$memory"
require_uint WALT_VPN_VM_CPUS "$cpus"

wired=$(wired_interface) || die "vm: no wired interface (en*, eth*) with a permanent MAC address"
board_mac=${wired#* }
vm_mac=52:54:00:${board_mac#*:*:*:}

# The USB device (e.g. 1-1.1.1) that holds the wired NIC, if it is on USB (the Pi 3 B+'s
# LAN7515 is): never pass it through, the tunnel runs over it.
nic_usb=$(basename "$(readlink -f "$WALT_VPN_SYSFS/class/net/${wired%% *}/device")")
nic_usb=${nic_usb%%:*}

# Prints "BUS PORT" (e.g. "1 1.2") for every port of every USB hub, except ports that hold a
# hub (their own ports are listed instead), the wired NIC, or nothing ever (connect_type
# "not used"). Ports are listed whether or not a device is plugged in now: QEMU attaches what
# gets plugged in later. Sysfs names ports HUB-portN, where HUB is usbB for a root hub and a
# device name (B-P) otherwise; the device in that port is B-N or B-P.N.
usb_ports() {
    devices=$WALT_VPN_SYSFS/bus/usb/devices
    for port in "$devices"/*/*-port[0-9]*; do
        [ -d "$port" ] || continue
        name=${port##*/}
        hub=${name%-port*}
        n=${name##*-port}
        case $hub in
            usb*) dev=${hub#usb}-$n ;;
            *) dev=$hub.$n ;;
        esac
        bus=${dev%%-*}
        path=${dev#*-}
        case $bus:$path in
            *[!0-9:.]* | :* | *:) continue ;;
        esac
        [ "$(cat "$port/connect_type" 2>/dev/null)" != "not used" ] || continue
        [ "$(cat "$devices/$dev/bDeviceClass" 2>/dev/null)" != 09 ] || continue
        [ "$dev" != "$nic_usb" ] || continue
        echo "$bus $path"
    done
}

set -- qemu-system-aarch64 -name walt-vpn-node -M virt
# -cpu max is the host's CPU under KVM and every emulated feature under TCG. QEMU takes the
# accelerators in order and falls back to TCG when KVM cannot run this guest. The Pi 3's
# BCM2837 has no GIC for KVM to virtualise: the interrupt controller stays in QEMU.
if [ -c "$kvm" ]; then
    set -- "$@" -accel kvm,kernel-irqchip=off -accel tcg -cpu max
else
    set -- "$@" -accel tcg -cpu max
fi
set -- "$@" -m "$memory" -smp "$cpus" -nographic -bios "$firmware"
# romfile= : U-Boot drives virtio-net itself; the iPXE option ROM is neither needed nor
# installed. disable-legacy=on : U-Boot's legacy virtio-pci driver ignores the MAC given here
# and sends from 52:52:52:52:52:52 (every node the same); its modern driver reads it.
set -- "$@" -netdev "tap,id=net0,ifname=$vm_tap,script=no,downscript=no" \
    -device "virtio-net-pci,netdev=net0,mac=$vm_mac,romfile=,disable-legacy=on"
# U-Boot stops at its prompt once every boot target failed, which would leave the node dead
# until the next reboot if the server did not answer in time: this small read-only disk,
# which U-Boot tries before the network, holds a boot script that network-boots and resets
# the VM when that fails (vm-boot/netboot-retry.cmd).
if [ -r "$retry_disk" ]; then
    set -- "$@" -drive "if=none,id=retry,format=raw,readonly=on,file=$retry_disk" \
        -device virtio-blk-pci,drive=retry,disable-legacy=on
else
    say "vm: no $retry_disk: U-Boot will stop at its prompt if the first network boot fails"
fi
set -- "$@" -device qemu-xhci,id=xhci
for p in $(usb_ports | tr ' ' ':'); do
    set -- "$@" -device "usb-host,bus=xhci.0,hostbus=${p%%:*},hostport=${p#*:}"
done

if [ "$dry_run" = 1 ]; then
    printf '%s\n' "$@"
    exit 0
fi

ensure_bridge
if ! ip link show dev "$vm_tap" >/dev/null 2>&1; then
    ip tuntap add dev "$vm_tap" mode tap
fi
ip link set dev "$vm_tap" master "$WALT_VPN_BRIDGE"
ip link set dev "$vm_tap" up

# U-Boot tries the network a few times and then stops at its prompt: start it only once
# another port of the bridge (the tunnel) is up, so its DHCP requests reach the server.
if [ "${WALT_VPN_VM_WAIT_TUNNEL:-1}" != 0 ]; then
    said=
    while :; do
        up=$(ip -o link show master "$WALT_VPN_BRIDGE" up | grep -v -- " ${vm_tap}[:@]" || true)
        [ -z "$up" ] || break
        [ -n "$said" ] || say "vm: waiting for the tunnel (a port of $WALT_VPN_BRIDGE besides $vm_tap)"
        said=1
        sleep 2
    done
fi
say "vm: starting (mac $vm_mac, ${memory} MiB, $cpus CPUs)"
exec "$@"
