package walt.vpn.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** The walt-vpn checkout the running jar was built in: where the default recipes are. */
final class ProjectHome {

    private ProjectHome() {
    }

    static Path find() {
        String set = System.getProperty("walt.home");
        if (set != null) {
            return Path.of(set);
        }
        try {
            // target/walt-vpn.jar in a checkout
            Path jar = Path.of(ProjectHome.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path p = jar.getParent(); p != null; p = p.getParent()) {
                if (Files.isDirectory(p.resolve("image-recipes"))) {
                    return p;
                }
            }
        } catch (java.net.URISyntaxException | SecurityException e) {
            // fall through
        }
        throw new IllegalArgumentException("cannot find the walt-vpn checkout's image-recipes/: give --recipe or --base");
    }
}
