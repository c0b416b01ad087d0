package walt.vpn.server;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The server-side files the Debian package ships instead of {@code init} writing them: made
 * at build time by the same code that writes them from a checkout, for {@link ServerPaths#packaged()}.
 */
public final class PackagedServerFiles {

    /** Debian's OpenBSD netcat (package netcat-openbsd, a dependency). */
    static final Path NETCAT = Path.of("/usr/bin/nc.openbsd");
    /** Not /lib: with merged /usr, trixie's dpkg warns of files shipped through the alias. */
    static final Path UNIT_DIR = Path.of("/usr/lib/systemd/system");

    private PackagedServerFiles() {
    }

    /** Each file's absolute path in the installed system, with its content. */
    public static Map<Path, String> render(Path command) {
        ServerPaths paths = ServerPaths.packaged();
        Map<Path, String> files = new LinkedHashMap<>();
        files.put(paths.enrolCommand(), EnrolmentScripts.forcedCommand(NETCAT, paths.enrolSocket()));
        files.put(paths.enrolKeysCommand(), EnrolmentScripts.keysCommand(paths.enrolCommand()));
        files.put(paths.sshdDropIn(), SshdDropIn.render(paths,
                "From the walt-vpn package: a conffile, your changes are kept on upgrade."));
        files.put(UNIT_DIR.resolve(ServerUnit.NAME), ServerUnit.forPackage(command, paths));
        return files;
    }

    /** Whether {@code path}, one of {@link #render}'s, is a program. */
    public static boolean executable(Path path) {
        return path.startsWith(ServerPaths.PACKAGE_LIBEXEC);
    }
}
