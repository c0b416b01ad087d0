package walt.vpn.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import walt.vpn.tree.InvalidDataException;
import walt.vpn.tree.Node;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.Symlink;

@Command(name = "cat", mixinStandardHelpOptions = true, description = "Write a file from inside an image to standard output.")
final class CatCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE[@N]:/path", description = "@N: partition number; without it, a bare filesystem.")
    String location;

    /** Standard output as bytes; tests swap it. */
    static OutputStream stdout = System.out;

    @Override
    public Integer call() throws IOException {
        ImageLocation loc = ImageLocation.parse(location, true);
        try (OpenedFilesystem fs = OpenedFilesystem.open(loc)) {
            Node node = fs.filesystem().readTree().lookup(loc.path());
            if (node == null) {
                throw new InvalidDataException(loc + ": no such file");
            }
            if (node instanceof Symlink s) {
                throw new InvalidDataException(loc + ": is a symbolic link to " + EntryName.printable(s.target()));
            }
            if (!(node instanceof RegularFile f)) {
                throw new InvalidDataException(loc + ": not a regular file (" + node.type().name().toLowerCase() + ")");
            }
            try (InputStream in = f.content().openStream()) {
                in.transferTo(stdout);
            }
            stdout.flush();
        }
        return 0;
    }
}
