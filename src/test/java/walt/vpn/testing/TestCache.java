package walt.vpn.testing;

import java.nio.file.Path;

/** Where tests keep what they download (Debian packages, built bases) between runs: $WALT_TEST_CACHE or ~/.cache/walt-vpn-tests. */
public final class TestCache {

    private TestCache() {
    }

    public static Path root() {
        String env = System.getenv("WALT_TEST_CACHE");
        return env != null && !env.isEmpty() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "walt-vpn-tests");
    }

    /** The build cache ({@code --cache}) the image build tests share. */
    public static Path buildCache() {
        return root().resolve("build-cache");
    }
}
