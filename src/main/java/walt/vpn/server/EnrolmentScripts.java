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

    /** The forced command: hands the request to the daemon through {@link EnrolmentCommand}. */
    static String forcedCommand(Path java, Path jar, Path socket) {
        return "#!/bin/sh\n"
                + "# Forced command of the " + ServerAccounts.ENROL + " account (written by walt vpn-server init).\n"
                + "exec '" + java + "' -Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp '" + jar
                + "' walt.vpn.server.EnrolmentCommand '" + socket + "'\n";
    }

    /**
     * The AuthorizedKeysCommand: any plain key of a known type logs in, into the forced command
     * and nothing else; the key itself is what the request is about.
     */
    static String keysCommand(Path forced) {
        return "#!/bin/sh\n"
                + "# AuthorizedKeysCommand of the " + ServerAccounts.ENROL + " account (written by walt vpn-server init).\n"
                + "case \"$1\" in\n"
                + "  " + String.join("|", SshPublicKey.TYPES.stream().sorted().toList()) + ") ;;\n"
                + "  *) exit 0 ;;\n"
                + "esac\n"
                + "case \"$2\" in\n"
                + "  ''|*[!A-Za-z0-9+/=]*) exit 0 ;;\n"
                + "esac\n"
                + "printf 'restrict,command=\"%s\" %s %s\\n' '" + forced + "' \"$1\" \"$2\"\n";
    }
}
