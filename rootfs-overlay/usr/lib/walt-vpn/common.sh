# shellcheck shell=sh
# Shared by the walt-vpn node scripts (sourced, never run): paths, console messages, the site
# configuration, the node key, the bridge. Every path comes from the environment when set, so
# that the tests can run the scripts on an ordinary machine.

WALT_VPN_STATE=${WALT_VPN_STATE:-/var/lib/walt-vpn}
WALT_VPN_SITE=${WALT_VPN_SITE:-/boot/firmware/walt-vpn}
WALT_VPN_SYSFS=${WALT_VPN_SYSFS:-/sys}
WALT_VPN_PROCFS=${WALT_VPN_PROCFS:-/proc}
WALT_VPN_DEVFS=${WALT_VPN_DEVFS:-/dev}
WALT_VPN_BRIDGE=${WALT_VPN_BRIDGE:-walt-vpn-br}
WALT_VPN_LIB=$(cd -- "$(dirname -- "$0")" && pwd)
export WALT_VPN_STATE WALT_VPN_SITE WALT_VPN_SYSFS WALT_VPN_PROCFS WALT_VPN_DEVFS WALT_VPN_BRIDGE WALT_VPN_LIB

node_key=$WALT_VPN_STATE/id_ed25519
node_cert=$WALT_VPN_STATE/id_ed25519-cert.pub
ssh_config=$WALT_VPN_SITE/ssh_config

# Everything goes to stdout (the journal) and to every console the kernel has: /dev/console
# is only the last console= of the command line (the serial port on a Pi), and the person
# at the board may be looking at the screen (tty0) instead.
say() {
    printf 'walt-vpn: %s\n' "$*"
    consoles=$(cat "$WALT_VPN_SYSFS/class/tty/console/active" 2>/dev/null) || return 0
    for c in $consoles; do
        case $c in
            *[!A-Za-z0-9]*) continue ;;
        esac
        # Never waits: a console stopped by Ctrl-S or Scroll Lock must not stop the service.
        [ ! -w "$WALT_VPN_DEVFS/$c" ] || printf 'walt-vpn: %s\r\n' "$*" |
            timeout 2 dd of="$WALT_VPN_DEVFS/$c" oflag=append,nonblock conv=notrunc status=none 2>/dev/null || true
    done
}

die() {
    say "$*"
    exit 1
}

# Text another machine sent (ssh's stderr, the enrolment answer) reaches the console as one
# line of printable ASCII: no terminal escapes, no fake "walt-vpn:" lines.
clean_line() {
    LC_ALL=C tr '\t\n' '  ' | LC_ALL=C tr -cd ' -~' | sed 's/ *$//' | cut -c 1-300
}

# The last line of a file (ssh's messages), cleaned; "$2" when the file holds nothing. When a
# ProxyJump hop fails, the outer ssh ends with lines of its own ("Connection closed by UNKNOWN
# port 65535") that hide the hop's reason (say "Host key verification failed."): skip them.
last_line() {
    line=$(grep -v -e '^[[:space:]]*$' -e '^Connection closed by UNKNOWN port 65535' -e '^kex_exchange_identification: ' "$1" 2>/dev/null |
        tail -n 1 | clean_line) || true
    [ -n "$line" ] || line=$(grep -v '^[[:space:]]*$' "$1" 2>/dev/null | tail -n 1 | clean_line) || true
    printf '%s\n' "${line:-$2}"
}

# The last 20 non-empty lines of a file (ssh's messages), each cleaned and prefixed with $2.
say_lines() {
    grep -v '^[[:space:]]*$' "$1" 2>/dev/null | tail -n 20 | while IFS= read -r l; do
        say "$2$(printf '%s' "$l" | clean_line)"
    done
}

# Fails unless $2 is a decimal integer; $1 names it in the message.
require_uint() {
    case $2 in
        '' | *[!0-9]*) die "$1 must be a whole number, not '$(printf '%s' "$2" | clean_line)'" ;;
    esac
}

# The value of KEY='value' in vpn.conf, read as data: the file is parsed, never sourced, and
# '\'' inside a value stands for one quote (the way the template writes it). Last one wins.
conf_get() {
    [ -r "$WALT_VPN_SITE/vpn.conf" ] || return 0
    sed -n "s/^$1='\\(.*\\)'[[:space:]]*\$/\\1/p" "$WALT_VPN_SITE/vpn.conf" | tail -n 1 | sed "s/'\\\\''/'/g"
}

# The board's wired interface: the first en*/eth* one whose address is the permanent one from
# the hardware (addr_assign_type 0), not a random or user-set one. Prints "NAME MAC", the MAC
# in lower case.
wired_interface() {
    for dev in "$WALT_VPN_SYSFS"/class/net/en* "$WALT_VPN_SYSFS"/class/net/eth*; do
        [ "$(cat "$dev/addr_assign_type" 2>/dev/null)" = 0 ] || continue
        mac=$(LC_ALL=C tr 'A-F' 'a-f' <"$dev/address")
        case $mac in
            00:00:00:00:00:00) ;;
            [0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f])
                printf '%s %s\n' "${dev##*/}" "$mac"
                return 0
                ;;
        esac
    done
    return 1
}

# Waits until the wired interface exists and its link is up: the Pi 3 B+'s NIC is on USB and
# appears seconds after boot, its link later still. Says once what it waits for.
wait_wired() {
    said=
    while :; do
        if wired=$(wired_interface); then
            state=$(cat "$WALT_VPN_SYSFS/class/net/${wired%% *}/operstate" 2>/dev/null || true)
            case $state in
                up | unknown) return 0 ;;
            esac
            what="the link of ${wired%% *} (it is ${state:-absent})"
        else
            what="the wired network interface"
        fi
        [ -n "$said" ] || say "waiting for $what"
        said=1
        sleep 1
    done
}

wired_mac() {
    wired=$(wired_interface) || return 1
    printf '%s\n' "${wired#* }"
}

# Makes the node's own key if it has none. It is made here and never leaves the node; it is
# written under a temporary name and renamed, so a power cut leaves no half key behind.
ensure_key() {
    umask 077
    mkdir -p "$WALT_VPN_STATE"
    chmod 0700 "$WALT_VPN_STATE"
    [ -s "$node_key" ] && return 0
    tmp=$(mktemp -d "$WALT_VPN_STATE/.keygen.XXXXXX")
    ssh-keygen -q -t ed25519 -N '' -C walt-vpn-node -f "$tmp/id_ed25519" </dev/null
    chmod 0600 "$tmp/id_ed25519"
    chmod 0644 "$tmp/id_ed25519.pub"
    # A certificate left from an older key would be for the wrong key.
    rm -f "$node_cert"
    mv -f "$tmp/id_ed25519.pub" "$node_key.pub"
    mv -f "$tmp/id_ed25519" "$node_key"
    rmdir "$tmp"
    say "made the node key $node_key"
}

# SHA256:... of the node key.
key_fingerprint() {
    ssh-keygen -lf "$node_key.pub" | cut -d ' ' -f 2
}

# The line people compare with what `walt vpn monitor` shows: the fingerprint first, then
# ssh-keygen -lf's own line.
print_fingerprint() {
    line=$(ssh-keygen -lf "$node_key.pub")
    say "node key fingerprint $(key_fingerprint) ($line)"
}

# The bootstrap key lives on FAT, which has no file modes, and ssh refuses a private key
# others can read: keep a 0600 copy in the state directory.
install_bootstrap() {
    for f in ssh_config known_hosts bootstrap; do
        [ -r "$WALT_VPN_SITE/$f" ] || die "no $f in $WALT_VPN_SITE: was this image made by walt vpn setup-node?"
    done
    umask 077
    if ! cmp -s "$WALT_VPN_SITE/bootstrap" "$WALT_VPN_STATE/bootstrap"; then
        cp "$WALT_VPN_SITE/bootstrap" "$WALT_VPN_STATE/.bootstrap.tmp"
        chmod 0600 "$WALT_VPN_STATE/.bootstrap.tmp"
        mv -f "$WALT_VPN_STATE/.bootstrap.tmp" "$WALT_VPN_STATE/bootstrap"
    fi
}

# One setting of an ssh_config host, as ssh resolves it (ssh -G), e.g. ssh_get walt-vpn-tunnel user.
ssh_get() {
    ssh -G -T -F "$ssh_config" "$1" | sed -n "s/^$2 //p" | head -n 1
}

# host:port of the first machine the node connects to on the way to $1 (the entrypoint),
# following the ProxyJump chain of the site's ssh_config.
entrypoint() {
    hop=$1
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        jump=$(ssh_get "$hop" proxyjump)
        case $jump in
            '' | none) break ;;
        esac
        hop=${jump%%,*}
    done
    printf '%s:%s\n' "$(ssh_get "$hop" hostname)" "$(ssh_get "$hop" port)"
}

# The bridge that joins the tunnel's tap and the VM's tap. Both services call this; whichever
# comes second finds it made. The node itself has no address on it: it only forwards frames.
ensure_bridge() {
    if ! ip link show dev "$WALT_VPN_BRIDGE" >/dev/null 2>&1; then
        ip link add name "$WALT_VPN_BRIDGE" type bridge 2>/dev/null ||
            ip link show dev "$WALT_VPN_BRIDGE" >/dev/null
    fi
    no_ipv6 "$WALT_VPN_BRIDGE"
    ip link set dev "$WALT_VPN_BRIDGE" up
}

# Takes IPv6 off interface $1 (the bridge and its ports): without it the kernel gives each a
# link-local address and sends its router solicitations onto walt-net, as if the board were
# a host there.
no_ipv6() {
    v6=$WALT_VPN_PROCFS/sys/net/ipv6/conf/$1/disable_ipv6
    if [ -w "$v6" ]; then
        echo 1 >"$v6"
    fi
}

# The board has no clock that survives power off, and a site may block NTP: when
# systemd-timesyncd has not synchronised the clock, take the server's (the "time" command of
# the enrolment account: only its standard output, which no proxy can write to) if ours is
# more than a minute away from it.
sync_clock() {
    [ ! -e "${WALT_VPN_TIMESYNC:-/run/systemd/timesync/synchronized}" ] || return 0
    server_time=$(ssh -F "$ssh_config" walt-vpn-enroll time </dev/null 2>/dev/null) || return 0
    case $server_time in
        '' | *[!0-9]*) return 0 ;;
    esac
    now=$(date +%s)
    if [ "$server_time" -gt $((now + 60)) ] || [ "$server_time" -lt $((now - 60)) ]; then
        # shellcheck disable=SC2086  # a command and its options
        if ${WALT_VPN_SET_CLOCK:-date -u -s} "@$server_time" >/dev/null; then
            say "clock set from the WalT server: $(date -u '+%Y-%m-%d %H:%M:%S') UTC (NTP has not answered)"
        fi
    fi
}
