package walt.vpn.disk;

import java.io.IOException;
import java.nio.file.Path;
import walt.vpn.testing.Tools;

/** A loop device on a file, for the tests that write a card: detached on close. */
final class LoopDevice implements AutoCloseable {

    final Path path;

    private LoopDevice(Path path) {
        this.path = path;
    }

    static LoopDevice attach(Path file) throws IOException, InterruptedException {
        Tools.Result r = Tools.run("losetup", "--find", "--show", file.toString());
        if (r.exit() != 0) {
            throw new IOException("losetup: " + r.all());
        }
        return new LoopDevice(Path.of(r.stdout().strip()));
    }

    @Override
    public void close() throws IOException, InterruptedException {
        Tools.Result r = Tools.run("losetup", "-d", path.toString());
        if (r.exit() != 0) {
            throw new IOException("losetup -d " + path + ": " + r.all());
        }
    }
}
