package walt.vpn.deb;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * Where packages come from: a Debian mirror, a suite, its components, one architecture, and
 * the keyring its InRelease must be signed with.
 */
public record AptSource(URI mirror, String suite, List<String> components, String arch, Path keyring) {

    public static final URI DEBIAN = URI.create("http://deb.debian.org/debian/");
    public static final String DEFAULT_SUITE = "trixie";
    public static final Path DEBIAN_KEYRING = Path.of("/usr/share/keyrings/debian-archive-keyring.gpg");

    public AptSource {
        String m = mirror.toString();
        if (!m.endsWith("/")) {
            mirror = URI.create(m + "/");
        }
        if (!List.of("http", "https", "file").contains(mirror.getScheme())) {
            throw new IllegalArgumentException("mirror must be an http, https or file URL: " + mirror);
        }
        if (!suite.matches("[a-z0-9][a-z0-9.-]*")) {
            throw new IllegalArgumentException("suite '" + suite + "' is not a Debian suite name");
        }
        for (String c : components) {
            if (!c.matches("[a-z0-9][a-z0-9/-]*")) {
                throw new IllegalArgumentException("component '" + c + "' is not a Debian component name");
            }
        }
        if (!arch.matches("[a-z0-9][a-z0-9-]*")) {
            throw new IllegalArgumentException("architecture '" + arch + "' is not a Debian architecture name");
        }
        components = List.copyOf(components);
    }

    /** The address of {@code path} relative to the mirror's root. */
    public URI resolve(String path) {
        return mirror.resolve(path);
    }
}
