#!/bin/sh
# walt-vpn-vm.service: the virtual machine that is the WalT node, booted the way a WalT server
# boots a node of model qemu-arm-64. netboot.sh asks walt-net's DHCP with the VM's MAC and
# vendor class walt.node.qemu-arm-64, then runs the server's start.ipxe chain, which fetches
# the kernel and initrd of the node's WalT image; QEMU starts that kernel directly (-kernel,
# no firmware). The VM's NIC is a tap in the bridge that also holds the tunnel's tap. The
# Pi's USB ports are passed through, so what is plugged into the board shows up in the node.
# When the VM stops (the WalT OS rebooted: -no-reboot), the boot starts again from DHCP, so a
# new image is fetched, as a WalT node does at each reboot.
#
# The VM's MAC is 52:54:00 followed by the last three bytes of the board's wired MAC: stable
# across reboots and re-flashes of the same board, unique among Raspberry Pis (they share the
# first three bytes, b8:27:eb), and in the locally administered range (0x52 has that bit set),
# so it never equals a real board's MAC.
#
# Environment (for tests): WALT_VPN_VM_TAP (walt-vpn-vm), WALT_VPN_KVM_DEVICE (/dev/kvm),
# WALT_VPN_RUN (/run/walt-vpn), WALT_VPN_VM_WAIT_TUNNEL=0 (start without waiting for the
# tunnel), WALT_VPN_VM_DRY_RUN=1 (print QEMU's command, one argument a line, and exit),
# WALT_VPN_VM_ONCE=1 (one boot, then exit with QEMU's status), WALT_VPN_BOOT_RETRY_MIN / _MAX
# (5 / 60 s between boot attempts while the server does not answer).
set -eu
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname -- "$0")/common.sh"

vm_tap=${WALT_VPN_VM_TAP:-walt-vpn-vm}
kvm=${WALT_VPN_KVM_DEVICE:-/dev/kvm}
dry_run=${WALT_VPN_VM_DRY_RUN:-0}
run_dir=${WALT_VPN_RUN:-/run/walt-vpn}
boot_dir=$run_dir/boot
retry_min=${WALT_VPN_BOOT_RETRY_MIN:-5}
retry_max=${WALT_VPN_BOOT_RETRY_MAX:-60}
require_uint WALT_VPN_BOOT_RETRY_MIN "$retry_min"
require_uint WALT_VPN_BOOT_RETRY_MAX "$retry_max"
[ "$retry_min" -ge 1 ] || retry_min=1

memory=$(conf_get WALT_VPN_VM_MEMORY)
cpus=$(conf_get WALT_VPN_VM_CPUS)
memory=${memory:-512}
cpus=${cpus:-2}
require_uint WALT_VPN_VM_MEMORY "$memory"
require_uint WALT_VPN_VM_CPUS "$cpus"

# The VM's MAC comes from the board's NIC, which on a Pi 3 B+ appears on USB after boot.
wait_wired
wired=$(wired_interface)
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
# accelerators in order and falls back to TCG when KVM cannot start; the accelerator it got
# is asked over QMP once it runs, and a fallback is said loudly. The Pi 3's BCM2837 has no
# GIC for KVM to virtualise: the interrupt controller stays in QEMU (kernel-irqchip=off).
if [ -c "$kvm" ]; then
    set -- "$@" -accel kvm,kernel-irqchip=off -accel tcg -cpu max
else
    set -- "$@" -accel tcg -cpu max
fi
# No firmware at all: QEMU loads the WalT kernel itself, so nothing but Linux ever drives
# the devices. (A firmware's xHCI driver, U-Boot's, uses MMIO stores with writeback, which
# KVM cannot emulate: under KVM it aborts. Linux's accessors are single plain loads and
# stores.) -no-reboot: a reboot of the WalT OS ends QEMU, and the next boot fetches again.
set -- "$@" -m "$memory" -smp "$cpus" -nographic -no-reboot
# romfile= : no firmware runs, so no iPXE option ROM is needed (nor installed).
set -- "$@" -netdev "tap,id=net0,ifname=$vm_tap,script=no,downscript=no" \
    -device "virtio-net-pci,netdev=net0,mac=$vm_mac,romfile="
set -- "$@" -device qemu-xhci,id=xhci
for p in $(usb_ports | tr ' ' ':'); do
    set -- "$@" -device "usb-host,bus=xhci.0,hostbus=${p%%:*},hostport=${p#*:}"
done
# QMP on a pair of FIFOs: the shell asks it which accelerator runs, with no client to install.
qmp=$run_dir/qmp
set -- "$@" -chardev "pipe,id=qmp,path=$qmp" -mon chardev=qmp,mode=control

if [ "$dry_run" = 1 ]; then
    printf '%s\n' "$@" -kernel "$boot_dir/out/kernel" -initrd "$boot_dir/out/initrd" -append "(the WalT boot scripts' command line)"
    exit 0
fi

ensure_bridge
if ! ip link show dev "$vm_tap" >/dev/null 2>&1; then
    ip tuntap add dev "$vm_tap" mode tap
fi
no_ipv6 "$vm_tap"
ip link set dev "$vm_tap" master "$WALT_VPN_BRIDGE"
ip link set dev "$vm_tap" up

# The boot asks the WalT server: start only once another port of the bridge (the tunnel) is
# up, so that its DHCP requests can reach the server.
if [ "${WALT_VPN_VM_WAIT_TUNNEL:-1}" != 0 ]; then
    said=
    while :; do
        up=$(ip -o link show master "$WALT_VPN_BRIDGE" up | grep -v -e " ${vm_tap}[:@]" -e ' wvboot0[:@]' || true)
        [ -z "$up" ] || break
        [ -n "$said" ] || say "vm: waiting for the tunnel (a port of $WALT_VPN_BRIDGE besides $vm_tap)"
        said=1
        sleep 2
    done
fi

# Which accelerator QEMU runs the VM with, asked over QMP (query-kvm), on the consoles.
report_accelerator() {
    # shellcheck disable=SC2016  # $1 is the inner shell's
    answer=$(timeout 60 sh -c 'exec 3>"$1.in" 4<"$1.out"
        printf "%s\n" "{\"execute\": \"qmp_capabilities\"}" "{\"execute\": \"query-kvm\"}" >&3
        sed -n "/\"enabled\"/{p;q;}" <&4' qmp "$qmp" || true)
    case $answer in
        *'"enabled": true'*) say "vm: accelerator: KVM" ;;
        *'"enabled": false'*)
            if [ -c "$kvm" ]; then
                say "vm: WARNING: KVM did not start: the WalT node runs under TCG emulation, about 20 times slower"
            else
                say "vm: WARNING: no $kvm: the WalT node runs under TCG emulation, about 20 times slower"
            fi
            ;;
        *) say "vm: could not ask QEMU which accelerator it uses" ;;
    esac
}

qemu=
trap '[ -z "$qemu" ] || kill "$qemu" 2>/dev/null; exit 143' TERM INT HUP
pause=$retry_min
while :; do
    # A boot attempt is bounded, whatever the server's scripts do.
    if ! WALT_VPN_BOOT_DIR=$boot_dir timeout 1800 "$WALT_VPN_LIB/netboot.sh" "$vm_mac"; then
        say "vm: no boot from the WalT server yet; next try in ${pause}s"
        sleep "$pause"
        pause=$((pause * 2))
        [ "$pause" -le "$retry_max" ] || pause=$retry_max
        continue
    fi
    pause=$retry_min
    initrd=
    [ ! -s "$boot_dir/out/initrd" ] || initrd=$boot_dir/out/initrd
    rm -f "$qmp.in" "$qmp.out"
    mkfifo -m 0600 "$qmp.in" "$qmp.out"
    say "vm: starting (mac $vm_mac, ${memory} MiB, $cpus CPUs)"
    "$@" -kernel "$boot_dir/out/kernel" ${initrd:+-initrd "$initrd"} -append "$(cat "$boot_dir/out/cmdline")" </dev/null &
    qemu=$!
    report_accelerator
    # QEMU has loaded them (it answered): their copies in /run only held the board's memory.
    rm -f "$boot_dir/out/kernel" "$boot_dir/out/initrd"
    status=0
    wait "$qemu" || status=$?
    qemu=
    say "vm: the WalT node's VM stopped (status $status): booting it again"
    [ "${WALT_VPN_VM_ONCE:-}" != 1 ] || exit "$status"
done
