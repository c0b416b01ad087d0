#!/bin/sh
# walt-vpn: finish installing the packages that were unpacked when the image was built
# (their maintainer scripts could not run there: the build runs no code of the target
# architecture). This is debootstrap's --second-stage for our images: run the pending
# "preinst install" scripts in dependency order, then "dpkg --configure -a".
#
# Two ways to run it:
#
#   init=/usr/lib/walt-vpn/first-boot-configure     (kernel command line, cmdline.txt)
#       As PID 1: mounts /proc, /sys, /dev, /run, remounts / read-write, configures, then
#       execs /sbin/init with the kernel's arguments. This is the form to use for a base
#       built from scratch: there systemd itself is only unpacked, and booting it before its
#       own postinst and those of base-passwd, libc-bin, dbus... have run means a system
#       with no system users, no machine-id, no alternatives (awk!), so a unit that systemd
#       would start cannot be relied on. This form needs only the kernel and /bin/sh, and
#       once nothing is pending it only execs /sbin/init, so cmdline.txt may keep it.
#
#   first-boot-configure [--configure-only]           (any process but PID 1)
#       The configuration alone: in a chroot, or from walt-vpn-first-boot.service, which
#       runs it before sysinit.target for bases whose systemd already works (a Raspberry
#       Pi OS image with packages added) when cmdline.txt is not to be touched.
#
# Both forms do the work only while /var/lib/walt-vpn/first-boot/pending exists; each
# preinst that succeeded is recorded, so a retry after a failure resumes after it.

state=/var/lib/walt-vpn/first-boot
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH

log() {
	echo "walt-vpn first boot: $*"
}

configure() {
	[ -f "$state/pending" ] || return 0
	DEBIAN_FRONTEND=noninteractive
	DEBCONF_NONINTERACTIVE_SEEN=true
	LC_ALL=C
	export DEBIAN_FRONTEND DEBCONF_NONINTERACTIVE_SEEN LC_ALL
	unset LANG LANGUAGE
	# An image built with an initramfs for its kernel needs no other: making Debian's now
	# would take minutes on the board (the kernel's initramfs hook skips it on INITRD=No).
	if ls /boot/initrd.img-* >/dev/null 2>&1; then
		INITRD=No
		export INITRD
	fi

	# No service may start while packages are half configured (debootstrap does the same).
	policy=/usr/sbin/policy-rc.d
	own_policy=
	if [ ! -e "$policy" ] && [ ! -L "$policy" ]; then
		printf '#!/bin/sh\n# walt-vpn first boot: no service starts while packages are configured\nexit 101\n' >"$policy" &&
			chmod 0755 "$policy" && own_policy=1
	fi

	dpkg_version=$(dpkg-query -W -f '${Version}' dpkg 2>/dev/null)
	touch "$state/preinst-done" || return 1
	status=0
	while read -r pkg arch info; do
		[ -n "$info" ] || continue
		grep -qxF "$info" "$state/preinst-done" && continue
		script=/var/lib/dpkg/info/$info.preinst
		if [ -f "$script" ]; then
			log "preinst install: $info"
			if ! DPKG_MAINTSCRIPT_PACKAGE=$pkg DPKG_MAINTSCRIPT_ARCH=$arch \
				DPKG_MAINTSCRIPT_NAME=preinst DPKG_MAINTSCRIPT_PACKAGE_REFCOUNT=1 \
				DPKG_ADMINDIR=/var/lib/dpkg DPKG_ROOT='' DPKG_RUNNING_VERSION=$dpkg_version \
				"$script" install </dev/null; then
				log "the preinst script of $info failed"
				status=1
				break
			fi
		fi
		echo "$info" >>"$state/preinst-done"
	done <"$state/preinst"

	if [ "$status" = 0 ]; then
		# Nobody is there to answer a conffile question: a file the image already had where a
		# package brings a conffile (an overlay, the base's own) is kept.
		log "dpkg --configure -a"
		if dpkg --force-confdef --force-confold --configure -a </dev/null; then
			rm -f "$state/pending" "$state/preinst-done"
			log "all packages configured"
		else
			log "dpkg --configure -a failed; it will be tried again at the next boot"
			status=1
		fi
	fi
	[ -z "$own_policy" ] || rm -f "$policy"
	sync
	return "$status"
}

mounted() {
	grep -q "^[^ ]* $1 " /proc/mounts 2>/dev/null
}

if [ "$$" != 1 ]; then
	[ "${1:-}" = --configure-only ] && shift
	if [ "$#" != 0 ]; then
		echo "usage: $0 [--configure-only]" >&2
		exit 2
	fi
	configure
	exit $?
fi

# PID 1: the kernel's arguments for init are in "$@", kept for /sbin/init.
if [ -f "$state/pending" ]; then
	# mount(8) is not Essential: a base for this script includes the "mount" package
	# (systemd depends on it anyway).
	command -v mount >/dev/null || log "mount(8) is missing (package mount); configuring without /proc, /sys, /dev"
	mounted /proc || mount -t proc -o nosuid,nodev,noexec proc /proc
	mounted /sys || mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
	mounted /dev || mount -t devtmpfs -o mode=0755,nosuid devtmpfs /dev
	mkdir -p /dev/pts
	mounted /dev/pts || mount -t devpts -o gid=5,mode=0620 devpts /dev/pts
	own_run=
	if ! mounted /run; then
		mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run && own_run=1
	fi
	mount -o remount,rw /
	# Kernel and firmware hooks (raspi-firmware) write to the boot partition: mount it as
	# fstab says, for the time of the configuration (systemd mounts it again afterwards).
	own_boot=
	if grep -q '^[^#[:space:]][^[:space:]]*[[:space:]][[:space:]]*/boot/firmware[[:space:]]' /etc/fstab 2>/dev/null && ! mounted /boot/firmware; then
		mount /boot/firmware && own_boot=1
	fi
	if ! configure; then
		log "configuration failed; booting anyway (see the messages above)"
		sleep 5
	fi
	[ -z "$own_boot" ] || umount /boot/firmware
	# systemd mounts its own /run; what the scripts left there is of no use to it.
	[ -z "$own_run" ] || umount /run
fi
for init in /sbin/init /usr/sbin/init /lib/systemd/systemd; do
	[ -x "$init" ] && exec "$init" "$@"
done
log "no init found; starting a shell"
exec /bin/sh
