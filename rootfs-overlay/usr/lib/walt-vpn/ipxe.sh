# shellcheck shell=sh
# SC2016: '${' is the literal text searched for. SC2154: the caller sets ipxe_vars and ipxe_out.
# SC2030/SC2031: depth is meant to change only in the subshell of the chained script.
# shellcheck disable=SC2016,SC2154,SC2030,SC2031
# The part of iPXE's script language that WalT's boot scripts use (sourced by netboot.sh,
# never run). A WalT node of model qemu-arm-64 boots from /start.ipxe of its TFTP folder, a
# chain of small scripts (the image's boot/qemu-arm-64/start.ipxe, then the generic
# common-ipxe/*.ipxe): they set variables, fetch other scripts, the kernel and the initrd,
# and boot. WalT's own VPN nodes ran them the same way, on the board, with an interpreter of
# this subset (walt-python-packages, common/walt/common/fakeipxe.py, read for the protocol).
#
# Supported: "#!ipxe", comment lines, ${name} expansion (unknown names expand to nothing),
# commands joined by && and || (left to right, as in iPXE and sh; an empty command after
# || succeeds), and the commands set, clear, echo, chain, imgfree, initrd, kernel, imgargs,
# boot, sleep, reboot, poweroff, exit. reboot, poweroff and exit end the whole attempt, as
# they end iPXE; anything else fails the boot attempt with a message naming it. An attempt
# fetches at most $ipxe_max_fetches files and sleeps at most $ipxe_max_sleep s at a time, so
# that no script can keep the node from trying again. Nothing fetched is ever evaluated by the shell: variables live in files, words
# are split with globbing off (set -f, for the whole shell that sources this).
#
# A URI is http://HOST/PATH (fetched with ?node_ip=${ip}, the way WalT's httpd finds the
# node), tftp://HOST/PATH, /PATH (TFTP from ${next-server}) or a PATH relative to the folder
# of the script being run, with that script's protocol and host.
#
# The caller sets: ipxe_vars (a folder for the variables), ipxe_out (a folder for kernel,
# initrd, cmdline), and the function ipxe_transfer PROTO HOST PATH FILE that fetches one file.

ipxe_max_depth=8
ipxe_max_fetches=64
ipxe_max_sleep=60

# Whether the attempt is over: a kernel to boot, or a command that ends iPXE.
ipxe_done() {
    [ -f "$ipxe_out/boot" ] || [ -f "$ipxe_out/abort" ]
}

# Fails unless $1 can name a variable (the settings WalT's scripts use: next-server, mac:hexhyp).
ipxe_name_ok() {
    case $1 in
        '' | .* | *[!A-Za-z0-9_.:-]*) return 1 ;;
    esac
}

ipxe_get() {
    ipxe_name_ok "$1" || return 0
    [ ! -f "$ipxe_vars/$1" ] || cat "$ipxe_vars/$1"
}

# ipxe_set NAME VALUE...: the value is the words joined by one space, as iPXE's set does.
ipxe_set() {
    if ! ipxe_name_ok "$1"; then
        say "vm: boot: bad variable name '$(printf '%s' "$1" | clean_line)'"
        return 1
    fi
    name=$1
    shift
    printf '%s' "$*" >"$ipxe_vars/$name"
}

# Prints $1 with every ${name} replaced by the variable's value. A value is inserted as it
# is, never expanded again.
ipxe_expand() {
    rest=$1
    out=
    while :; do
        case $rest in
            *'${'*'}'*) ;;
            *) break ;;
        esac
        out=$out${rest%%'${'*}
        rest=${rest#*'${'}
        out=$out$(ipxe_get "${rest%%'}'*}")
        rest=${rest#*'}'}
    done
    printf '%s' "$out$rest"
}

# Splits URI $1 against the running script's location into ipxe_proto, ipxe_host and
# ipxe_path; fails on what no WalT server serves.
ipxe_resolve() {
    case $1 in
        http://* | tftp://*)
            ipxe_proto=${1%%://*}
            rest=${1#*://}
            ipxe_host=${rest%%/*}
            ipxe_path=/${rest#*/}
            [ "$rest" != "$ipxe_host" ] || ipxe_path=/
            ;;
        /*)
            ipxe_proto=tftp
            ipxe_host=$(ipxe_get next-server)
            ipxe_path=$1
            ;;
        *://*) return 1 ;;
        *)
            ipxe_proto=$script_proto
            ipxe_host=$script_host
            ipxe_path=${script_dir%/}/$1
            ;;
    esac
    case $ipxe_host in
        '' | -* | *[!A-Za-z0-9.-]*) return 1 ;;
    esac
    case /$ipxe_path/ in
        */../* | */./* | *[!A-Za-z0-9._/+-]*) return 1 ;;
    esac
}

# ipxe_fetch URI FILE
ipxe_fetch() {
    if ! ipxe_resolve "$1"; then
        say "vm: boot: cannot fetch '$(printf '%s' "$1" | clean_line)': not a URI a WalT server serves"
        return 1
    fi
    fetches=$(($(cat "$ipxe_vars/.fetches" 2>/dev/null || echo 0) + 1))
    echo "$fetches" >"$ipxe_vars/.fetches"
    if [ "$fetches" -gt "$ipxe_max_fetches" ]; then
        say "vm: boot: more than $ipxe_max_fetches files fetched: this boot attempt ends"
        : >"$ipxe_out/abort"
        return 1
    fi
    rm -f "$2"
    if ! ipxe_transfer "$ipxe_proto" "$ipxe_host" "$ipxe_path" "$2"; then
        rm -f "$2"
        say "vm: boot: could not fetch $ipxe_proto://$ipxe_host$ipxe_path"
        return 1
    fi
}

# Runs the script at URI $1 (depth $2) in a subshell: its location is the base of relative
# URIs inside it, and ends with it; the variables, kept in files, outlive it.
ipxe_chain() {
    if [ "$2" -ge "$ipxe_max_depth" ]; then
        say "vm: boot: scripts chained more than $ipxe_max_depth deep"
        return 1
    fi
    script=$ipxe_vars/.script.$2
    ipxe_fetch "$1" "$script" || return 1
    if [ "$(head -c 6 "$script")" != '#!ipxe' ]; then
        say "vm: boot: $ipxe_proto://$ipxe_host$ipxe_path is not an iPXE script"
        return 1
    fi
    (
        script_proto=$ipxe_proto
        script_host=$ipxe_host
        script_dir=${ipxe_path%/*}
        depth=$(($2 + 1))
        # Tabs and carriage returns (a script saved on Windows) read as blanks.
        tr '\t\r' '  ' <"$script" >"$script.lines"
        # As in iPXE, a command that fails with no || to catch it ends the script.
        while IFS= read -r l || [ -n "$l" ]; do
            ipxe_line "$l" || exit
            if ipxe_done; then
                [ ! -f "$ipxe_out/abort" ] || exit 1
                exit 0
            fi
        done <"$script.lines"
    )
}

# One line: expanded, split into words, its commands run left to right.
ipxe_line() {
    case $1 in
        *[!\ -~]*)
            say "vm: boot: ignored a line that is not printable ASCII"
            return 0
            ;;
    esac
    # Comments and labels (":name", for goto, which WalT's scripts do not use) do nothing.
    case ${1#"${1%%[! ]*}"} in
        '' | '#'* | :*) return 0 ;;
    esac
    # Words are split as iPXE splits them, and a word is never a file name pattern.
    set -f
    # shellcheck disable=SC2046
    set -- $(ipxe_expand "$1")
    cmd=
    last=0
    run=1
    for w in "$@" '&&'; do
        case $w in
            '&&' | '||')
                op=$w
                if [ "$run" = 1 ]; then
                    last=0
                    # shellcheck disable=SC2086
                    [ -z "$cmd" ] || ipxe_command $cmd || last=$?
                fi
                ! ipxe_done || return "$last"
                case $op:$last in
                    '&&:0' | '||:'[1-9]*) run=1 ;;
                    *) run=0 ;;
                esac
                cmd=
                ;;
            *) cmd="$cmd $w" ;;
        esac
    done
    return "$last"
}

ipxe_command() {
    c=$1
    shift
    # Options such as --autofree or -n NAME do not change what is fetched here.
    case $c in
        chain | imgexec | kernel | imgload | initrd | imgfetch | module)
            # (dash ends the script on a shift past the end: count first.)
            while [ $# -gt 0 ]; do
                case $1 in
                    --name | -n)
                        [ $# -ge 2 ] || return 1
                        shift 2
                        ;;
                    -*) shift ;;
                    *) break ;;
                esac
            done
            ;;
    esac
    case $c in
        set) ipxe_set "$@" ;;
        clear) ipxe_name_ok "${1:-}" && rm -f "$ipxe_vars/$1" ;;
        echo)
            [ "${1:-}" != -n ] || shift
            say "vm: boot: $(printf '%s' "$*" | clean_line)"
            ;;
        chain | imgexec) ipxe_chain "${1:-}" "$depth" ;;
        # Scripts free themselves by name (nothing to do: each is a file of its own); with
        # no name, every image goes, the kernel and initrd included.
        imgfree) [ $# -gt 0 ] || rm -f "$ipxe_out/kernel" "$ipxe_out/initrd" "$ipxe_out/cmdline" ;;
        initrd | imgfetch | module)
            ipxe_fetch "${1:-}" "$ipxe_vars/.initrd" || return 1
            cat "$ipxe_vars/.initrd" >>"$ipxe_out/initrd"
            rm -f "$ipxe_vars/.initrd"
            ;;
        kernel | imgload)
            [ $# -gt 0 ] && ipxe_fetch "$1" "$ipxe_out/kernel" || return 1
            shift
            printf '%s\n' "$*" >"$ipxe_out/cmdline"
            ;;
        imgargs)
            [ $# -gt 0 ] || return 1
            shift
            printf '%s\n' "$*" >"$ipxe_out/cmdline"
            ;;
        boot)
            if [ ! -s "$ipxe_out/kernel" ]; then
                say "vm: boot: 'boot' with no kernel loaded"
                return 1
            fi
            : >"$ipxe_out/boot"
            ;;
        sleep)
            case ${1:-} in
                '' | *[!0-9]*) return 1 ;;
            esac
            if [ "$1" -gt "$ipxe_max_sleep" ]; then
                say "vm: boot: sleep $1 is longer than $ipxe_max_sleep s: this boot attempt ends"
                : >"$ipxe_out/abort"
                return 1
            fi
            sleep "$1"
            ;;
        reboot | poweroff | exit | shell)
            say "vm: boot: the script ran '$c': this boot attempt ends"
            : >"$ipxe_out/abort"
            return 1
            ;;
        *)
            say "vm: boot: unsupported iPXE command '$(printf '%s' "$c" | clean_line)'"
            return 1
            ;;
    esac
}
