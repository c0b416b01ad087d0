package walt.vpn.server;

import walt.vpn.ssh.SshPublicKey;
import java.nio.file.Path;

/**
 * The two small programs sshd runs for the enrolment account. Every path in them went
 * through {@link ServerPaths#checkSafe}, so single quotes cannot be broken out of.
 */
final class EnrolmentScripts {

    private EnrolmentScripts() {
    }

    /**
     * The forced command: checks what sshd hands it and relays one request line to the daemon
     * through OpenBSD netcat. No JVM per connection. netcat rather than socat: a sixth of the
     * memory (135 KiB against 840 KiB each, measured), and Debian installs it by default.
     *
     * <p>{@code enroll} may wait minutes for the operator, and anyone with the bootstrap key can
     * hold such connections open, so its relay is netcat alone: the shell execs it, and the
     * daemon's framed lines ({@link RelayReply}) reach the node as they are, for the node to
     * decode. That keeps a held connection to sshd's two processes and one netcat (the shell
     * beside it cost another 115 KiB, measured). {@code status} answers at once, so the shell
     * stays and turns the lines into stdout, stderr and the exit status the node acts on: netcat
     * writes into a FIFO that the script itself reads, rather than into a pipeline, whose last
     * part would be a second shell.
     */
    static String forcedCommand(Path netcat, Path socket) {
        return String.join("\n",
                "#!/bin/sh",
                "# Forced command of the " + ServerAccounts.ENROL + " account (walt vpn-server init writes it; the Debian package ships it).",
                "set -u",
                "export LC_ALL=C",
                "fail() {",
                "    printf 'error: %s\\n' \"$1\" >&2",
                "    exit " + RelayReply.ERROR,
                "}",
                "case ${SSH_ORIGINAL_COMMAND:-} in",
                "time) exec date +%s ;;",
                "esac",
                "# Only characters the request line carries unescaped pass: those of key types, base64,",
                "# MAC and IP addresses. sshd writes SSH_USER_AUTH; the node cannot set the environment.",
                "key=$(sed -n 's|^publickey \\([a-z0-9@.-][a-z0-9@.-]* [A-Za-z0-9+/=][A-Za-z0-9+/=]*\\)$|\\1|p' \"${SSH_USER_AUTH:-/nonexistent}\" 2>/dev/null | head -n 1)",
                "[ -n \"$key\" ] || fail 'no public key in SSH_USER_AUTH: sshd needs ExposeAuthInfo yes'",
                "source=${SSH_CONNECTION%% *}",
                "case $source in '' | *[!0-9A-Fa-f.:]*) fail 'no source address in SSH_CONNECTION' ;; esac",
                "case ${SSH_ORIGINAL_COMMAND:-} in",
                "status) request=\"{\\\"op\\\":\\\"status\\\",\\\"key\\\":\\\"$key\\\"}\" ;;",
                "'enroll '*)",
                "    mac=${SSH_ORIGINAL_COMMAND#enroll }",
                "    case $mac in ??????????????????* | '' | *[!0-9A-Fa-f:]*) fail 'not a MAC address (expected b8:27:eb:12:34:56)' ;; esac",
                "    request=\"{\\\"op\\\":\\\"enroll\\\",\\\"mac\\\":\\\"$mac\\\",\\\"key\\\":\\\"$key\\\",\\\"source\\\":\\\"$source\\\"}\"",
                "    [ -S '" + socket + "' ] || fail 'the WalT VPN server is not running'",
                "    # netcat keeps reading after sending the line until the daemon ends the answer. When",
                "    # the node hangs up, sshd closes netcat's stdout: its next write fails, it ends, and",
                "    # the daemon, whose next line fails, withdraws the request.",
                "    exec '" + netcat + "' -U '" + socket + "' <<EOF",
                "$request",
                "EOF",
                "    ;;",
                "*) fail 'usage: enroll MAC | status | time' ;;",
                "esac",
                "# status: the daemon answers at once; its lines become stdout, stderr and the exit status.",
                "answer=$(mktemp -u /tmp/walt-vpn-enroll.XXXXXXXXXX) && mkfifo -m 0600 \"$answer\" || fail 'no FIFO in /tmp'",
                "'" + netcat + "' -U '" + socket + "' >\"$answer\" 2>/dev/null <<EOF &",
                "$request",
                "EOF",
                "exec <\"$answer\"",
                "rm -f \"$answer\"",
                "status=",
                "while IFS= read -r line; do",
                "    case $line in",
                "    'out '*) printf '%s\\n' \"${line#out }\" || exit " + RelayReply.ERROR + " ;;",
                "    'err '*) printf '%s\\n' \"${line#err }\" >&2 || exit " + RelayReply.ERROR + " ;;",
                "    'exit " + RelayReply.ACCEPTED + "' | 'exit " + RelayReply.DENIED + "' | 'exit " + RelayReply.ERROR
                        + "') status=${line#exit } ;;",
                "    esac",
                "done",
                "[ -n \"$status\" ] || fail 'the WalT VPN server is not running'",
                "exit \"$status\"",
                "");
    }

    /**
     * The AuthorizedKeysCommand: any plain key of a known type logs in, into the forced command
     * and nothing else; the key itself is what the request is about.
     */
    static String keysCommand(Path forced) {
        return "#!/bin/sh\n"
                + "# AuthorizedKeysCommand of the " + ServerAccounts.ENROL + " account (walt vpn-server init writes it; the Debian package ships it).\n"
                + "case \"$1\" in\n"
                + "  " + String.join("|", SshPublicKey.TYPES.stream().sorted().toList()) + ") ;;\n"
                + "  *) exit 0 ;;\n"
                + "esac\n"
                + "case \"$2\" in\n"
                + "  ''|*[!A-Za-z0-9+/=]*) exit 0 ;;\n"
                + "esac\n"
                + "printf 'restrict,command=\"exec %s\" %s %s\\n' '" + forced + "' \"$1\" \"$2\"\n";
    }
}
