package walt.vpn.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import walt.vpn.disk.AtomicOutput;
import walt.vpn.tree.TarExporter;

@Command(name = "extract", mixinStandardHelpOptions = true,
        description = "Write the whole tree of a filesystem in an image to a PAX tar archive (owners, times, xattrs kept).")
final class ExtractCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE[@N]", description = "@N: partition number; without it, a bare filesystem.")
    String location;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "TREE.tar")
    Path output;

    @Override
    public Integer call() throws IOException {
        ImageLocation loc = ImageLocation.parse(location, false);
        if (Files.exists(output) && Files.isSameFile(output, loc.image())) {
            throw new IllegalArgumentException("output would overwrite the image: " + output);
        }
        try (OpenedFilesystem fs = OpenedFilesystem.open(loc); AtomicOutput out = new AtomicOutput(output)) {
            try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(out.tempPath()), 1 << 20)) {
                // The exporter's own default prints its warnings too: take them, so each is said once.
                TarExporter.write(fs.filesystem().readTree(), os,
                        warning -> System.err.println(CommandTree.rootName() + ": warning: " + EntryName.printable(warning)));
            }
            out.commit();
        }
        return 0;
    }
}
