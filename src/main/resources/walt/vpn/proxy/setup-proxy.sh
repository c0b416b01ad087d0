#!/bin/sh
# Turns this machine into a WalT VPN proxy: the account walt-vpn, whose keys (the VPN's
# bootstrap key and node certificates) may only open a forward to the next hop.
# Made by `walt vpn setup-proxy`. Run it as root on the proxy; running it again is harmless.
set -eu

# @VALUES@

user=walt-vpn
home=/home/walt-vpn
host_key_dir=/etc/ssh

fail() {
	echo "setup-proxy: $*" >&2
	exit 1
}

fingerprint() {
	ssh-keygen -lf "$1" | awk '{ print $2 }'
}

passwd_entry() {
	getent passwd "$user" 2>/dev/null || grep "^$user:" /etc/passwd
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

	group=$(id -g "$user")
	if [ ! -d "$home" ]; then
		mkdir -p "$home"
		chown "$user:$group" "$home"
		chmod 0700 "$home"
	fi
	[ ! -L "$home/.ssh" ] || fail "$home/.ssh is a symbolic link: remove it, then run this again"
	[ -d "$home/.ssh" ] || mkdir "$home/.ssh"
	chown "$user:$group" "$home/.ssh"
	chmod 0700 "$home/.ssh"

	# port-forwarding also allows -R listeners: authorized_keys has no permitlisten="none", so
	# the only listener allowed is loopback port 1, which this unprivileged account cannot bind.
	only_forward="restrict,port-forwarding,permitlisten=\"127.0.0.1:1\",permitopen=\"$next_hop\""

	# sshd must never read a half-written file: write beside it, then rename.
	tmp="$home/.ssh/.authorized_keys.tmp.$$"
	trap 'rm -f "$tmp"' EXIT
	rm -f "$tmp"
	umask 077
	(
		set -C
		printf '%s\n' \
			"$only_forward $bootstrap_key" \
			"cert-authority,principals=\"walt-vpn-node\",$only_forward $ca_key" \
			>"$tmp"
	)
	chown "$user:$group" "$tmp"
	chmod 0600 "$tmp"
	mv -f "$tmp" "$home/.ssh/authorized_keys"
	trap - EXIT

	# Forwarding switched off in sshd_config would silently defeat the keys above.
	sshd=$(command -v sshd 2>/dev/null) || sshd=/usr/sbin/sshd
	if [ -x "$sshd" ]; then
		blocked=$("$sshd" -T -C "user=$user,host=localhost,addr=127.0.0.1" 2>/dev/null |
			awk '($1 == "allowtcpforwarding" && ($2 == "no" || $2 == "remote")) || ($1 == "disableforwarding" && $2 == "yes") { print $1 " " $2; exit }') || blocked=
		[ -z "$blocked" ] || echo "setup-proxy: warning: sshd has $blocked for $user: nodes cannot pass this proxy" >&2
	fi

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
