#!/bin/sh
# Turns this machine into a WalT VPN proxy: the account walt-vpn, whose keys (the VPN's
# bootstrap key and node certificates) may only open a forward to the next hop.
# Made by `walt vpn setup-proxy`. Run it as root on the proxy; running it again is harmless.
set -eu

# @VALUES@

user=walt-vpn
home=/home/walt-vpn
host_key_dir=/etc/ssh
sshd_config=/etc/ssh/sshd_config
dropin_dir=/etc/ssh/sshd_config.d
dropin=$dropin_dir/walt-vpn-proxy.conf
include_line="Include $dropin_dir/*.conf"

fail() {
	echo "setup-proxy: $*" >&2
	exit 1
}

warn() {
	echo "setup-proxy: warning: $*" >&2
}

fingerprint() {
	ssh-keygen -lf "$1" | awk '{ print $2 }'
}

passwd_entry() {
	getent passwd "$user" 2>/dev/null || grep "^$user:" /etc/passwd
}

# sshd must never read a half-written file: write beside it (a name no Include glob takes),
# then rename. Root owns it: the account must not be able to change what sshd reads for it.
write_file() { # target mode text
	tmp="${1%/*}/.${1##*/}.tmp.$$"
	trap 'rm -f "$tmp"' EXIT
	rm -f "$tmp"
	(
		umask 077
		set -C
		printf '%s\n' "$3" >"$tmp"
	)
	chown 0:0 "$tmp"
	chmod "$2" "$tmp"
	mv -f "$tmp" "$1"
	trap - EXIT
}

# The key options cannot forbid Unix socket listeners (permitlisten covers TCP only), nor a TCP
# listener on port 1 where unprivileged ports start at 1 or below, and sshd runs an admin's
# `Subsystem sftp internal-sftp` without the account's shell: only sshd's own settings for the
# account close those, whatever the rest of its configuration allows. Match all ends the block
# so that nothing after the Include falls into it.
dropin_text() {
	cat <<END
# Made by walt vpn setup-proxy: $user may only forward to $next_hop. Run the script again rather than editing this.
Match User $user
	AllowTcpForwarding local
	AllowStreamLocalForwarding no
	PermitListen none
	PermitOpen $next_hop
	GatewayPorts no
	PermitTunnel no
	X11Forwarding no
	AllowAgentForwarding no
	PermitTTY no
	PermitUserRC no
	ForceCommand /bin/false
	AuthenticationMethods publickey
	AuthorizedKeysFile .ssh/authorized_keys
Match all
END
}

# sshd reads the drop-in only where its main configuration includes that folder (Debian's
# does, on its first line).
includes_dropins() {
	[ -r "$sshd_config" ] && grep -Eiq '^[[:space:]]*include[[:space:]=].*sshd_config\.d/' "$sshd_config"
}

# Prints the drop-in's settings that sshd does not apply to the account, as sshd -T names them.
missing_settings() { # settings (sshd -T output)
	dropin_text | awk '/^\t/ { print tolower($1) " " $2 }' | while read -r wanted; do
		printf '%s\n' "$1" | grep -qxF "$wanted" || printf '%s\n' "$wanted"
	done
}

# A running sshd keeps the configuration it read when it started.
reload_sshd() { # settings
	if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
		for unit in ssh.service sshd.service; do
			systemctl is-active --quiet "$unit" 2>/dev/null || continue
			if systemctl reload "$unit"; then
				echo "setup-proxy: sshd reloaded (systemctl reload $unit)"
			else
				warn "systemctl reload $unit failed: reload sshd so that it applies $dropin"
			fi
			return 0
		done
		for unit in ssh.socket sshd.socket; do
			if systemctl is-active --quiet "$unit" 2>/dev/null; then
				echo "setup-proxy: sshd starts on demand ($unit): it reads $dropin when it starts"
				return 0
			fi
		done
	fi
	pid_file=$(printf '%s\n' "$1" | awk '$1 == "pidfile" { print $2; exit }')
	[ -n "$pid_file" ] || pid_file=/run/sshd.pid
	pid=
	if [ "$pid_file" != none ] && [ -r "$pid_file" ]; then
		pid=$(head -n 1 "$pid_file")
	fi
	case $pid in
	'' | *[!0-9]*) pid= ;;
	esac
	# A stale pid file may name another process by now, which SIGHUP could kill.
	if [ -n "$pid" ]; then
		name=$(cat "/proc/$pid/comm" 2>/dev/null || ps -p "$pid" -o comm= 2>/dev/null) || name=
		case $name in
		*sshd*)
			if kill -HUP "$pid"; then
				echo "setup-proxy: sshd reloaded (kill -HUP $pid, from $pid_file)"
				return 0
			fi
			;;
		esac
	fi
	warn "found no running sshd to reload (no active ssh.service or sshd.service, no sshd named in $pid_file): if sshd runs, reload it so that it applies $dropin"
}

# sshd's own settings for the account: the drop-in where sshd reads it, then what sshd says it
# applies to a login of the account.
confine_in_sshd() {
	sshd=$(command -v sshd 2>/dev/null) || sshd=/usr/sbin/sshd
	if [ ! -x "$sshd" ]; then
		warn "sshd not found, so its settings for $user were neither written nor checked: install OpenSSH's server, then run this script again"
		return 0
	fi
	changed=
	included=
	if includes_dropins; then
		included=yes
		text=$(dropin_text)
		if [ -f "$dropin" ] && [ ! -L "$dropin" ] && [ "$(cat "$dropin")" = "$text" ]; then
			chown 0:0 "$dropin"
			chmod 0644 "$dropin"
		else
			# sshd -t may fail without the drop-in too (say, with no /run/sshd while sshd is
			# stopped): the drop-in is at fault only when it adds to what sshd -t says.
			before=$("$sshd" -t 2>&1) && before_ok=yes || before_ok=
			[ -d "$dropin_dir" ] || (umask 022 && mkdir -p "$dropin_dir")
			write_file "$dropin" 0644 "$text"
			changed=yes
			if ! after=$("$sshd" -t 2>&1); then
				if [ -n "$before_ok" ] || [ "$after" != "$before" ]; then
					rm -f "$dropin"
					fail "sshd -t rejects $dropin, so it was removed and sshd left as it was: $after"
				fi
			fi
		fi
	fi

	if settings=$("$sshd" -T -C "user=$user,host=localhost,addr=127.0.0.1" 2>&1); then
		missing=$(missing_settings "$settings" | awk '{ printf "%s%s", sep, $0; sep = ", " }')
		if [ -n "$missing" ]; then
			if [ -n "$included" ]; then
				warn "sshd does not apply these settings of $dropin to $user (an earlier Match block or drop-in sets them first): $missing"
			else
				warn "$sshd_config has no Include of $dropin_dir, so sshd confines $user by its key options only"
			fi
			warn "so the keys of $user may still open -R listeners on this machine: Unix sockets (stream-local forwarding), and TCP on 127.0.0.1:1 where net.ipv4.ip_unprivileged_port_start is 1 or less"
			if [ -n "$included" ]; then
				warn "make $dropin the first settings sshd reads for $user, then run this script again"
			else
				warn "add the line '$include_line' at the top of $sshd_config, then run this script again"
			fi
		fi
		# Forwarding switched off in sshd_config would silently defeat the keys.
		blocked=$(printf '%s\n' "$settings" |
			awk '($1 == "allowtcpforwarding" && ($2 == "no" || $2 == "remote")) || ($1 == "disableforwarding" && $2 == "yes") { print $1 " " $2; exit }')
		[ -z "$blocked" ] || warn "sshd has $blocked for $user: nodes cannot pass this proxy"
	else
		warn "could not check the settings sshd applies to $user (sshd -T: $(printf '%s\n' "$settings" | head -n 1))"
		settings=
	fi
	[ -z "$changed" ] || reload_sshd "$settings"
}

# Everything runs from this function, called on the last line: a script cut short on its way
# (sh -s over SSH) fails to parse and does nothing, instead of running its first half.
setup_proxy() {
	[ "$(id -u)" = 0 ] || fail "run this script as root"
	command -v ssh-keygen >/dev/null 2>&1 || fail "ssh-keygen not found: this machine needs OpenSSH"

	# The script was made on the server, from the server's host keys: finding one of them here
	# means it is running on the server, which must never accept the bootstrap key itself.
	for pub in "$host_key_dir"/ssh_host_*_key.pub; do
		[ -f "$pub" ] || continue
		fp=$(fingerprint "$pub")
		[ -n "$fp" ] || continue
		case " $server_fingerprints " in
		*" $fp "*) fail "this is the WalT server itself; run this script on the proxy" ;;
		esac
	done

	# `restrict` does not stop a command or a shell: only a shell that runs nothing keeps these
	# keys to forwarding.
	shell=
	for candidate in /usr/sbin/nologin /sbin/nologin /usr/bin/false /bin/false; do
		if [ -x "$candidate" ]; then
			shell=$candidate
			break
		fi
	done
	[ -n "$shell" ] || fail "no nologin or false found to use as the shell of $user"

	if ! passwd_entry >/dev/null; then
		command -v useradd >/dev/null 2>&1 || fail "useradd not found: create the account $user (home $home, shell $shell, no password) by hand, then run this again"
		# '*' rather than the locked '!': sshd without PAM refuses every login to a locked
		# account, keys included, while '*' only matches no password.
		useradd -m -d "$home" -s "$shell" -p '*' "$user"
	fi

	current_home=$(passwd_entry | cut -d: -f6)
	current_shell=$(passwd_entry | cut -d: -f7)
	[ "$current_home" = "$home" ] || fail "the account $user exists with home $current_home, not $home"
	case $current_shell in
	*/nologin | */false) ;;
	*) usermod -s "$shell" "$user" ;;
	esac
	# A password would let its holder forward anywhere: authorized_keys options bind keys only.
	password=$(getent shadow "$user" 2>/dev/null | cut -d: -f2) || password=
	if [ -n "$password" ] && [ "$password" != '*' ]; then
		usermod -p '*' "$user"
	fi

	# The account must not be able to replace its keys (with keys without options) nor add a
	# file sshd reads: root owns its home and .ssh, which sshd's StrictModes accepts. The home
	# first, so that nothing in it can be swapped while .ssh is checked; an install made before
	# the account owned both is fixed here.
	[ ! -L "$home" ] || fail "$home is a symbolic link: remove it, then run this again"
	[ -d "$home" ] || mkdir -p "$home"
	chown 0:0 "$home"
	chmod 0755 "$home"
	[ ! -L "$home/.ssh" ] || fail "$home/.ssh is a symbolic link: remove it, then run this again"
	[ -d "$home/.ssh" ] || mkdir "$home/.ssh"
	chown 0:0 "$home/.ssh"
	chmod 0755 "$home/.ssh"
	# sshd reads authorized_keys2 too unless told otherwise: only the account could have put it there.
	if [ -e "$home/.ssh/authorized_keys2" ] || [ -L "$home/.ssh/authorized_keys2" ]; then
		rm -f "$home/.ssh/authorized_keys2"
		warn "removed $home/.ssh/authorized_keys2, which this script never writes"
	fi

	confine_in_sshd

	# port-forwarding also allows -R listeners: authorized_keys has no permitlisten="none", so
	# the only listener allowed is loopback port 1, which this unprivileged account cannot bind
	# where unprivileged ports start above 1. The forced command keeps an admin's
	# `Subsystem sftp internal-sftp` (which skips the account's shell) from running; sshd runs
	# it through that shell, so it runs nothing either. Forwards (-W) open no session: they pass.
	only_forward="restrict,command=\"/bin/false\",port-forwarding,permitlisten=\"127.0.0.1:1\",permitopen=\"$next_hop\""
	write_file "$home/.ssh/authorized_keys" 0644 "$only_forward $bootstrap_key
cert-authority,principals=\"walt-vpn-node\",$only_forward $ca_key"

	echo "setup-proxy: account $user ready; its keys may only open a forward to $next_hop"
	echo "setup-proxy: pin this proxy's host keys (lines host-key: TYPE BASE64):"
	found=
	for pub in "$host_key_dir"/ssh_host_*_key.pub; do
		[ -f "$pub" ] || continue
		found=yes
		echo "fingerprint: $(ssh-keygen -lf "$pub")"
		awk 'NF >= 2 { print "host-key: " $1 " " $2; exit }' "$pub"
	done
	[ -n "$found" ] || echo "setup-proxy: warning: no host keys in $host_key_dir/ssh_host_*_key.pub: pin this proxy's host keys by hand" >&2
}

setup_proxy
