package walt.vpn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import walt.vpn.tree.DeviceNode;
import walt.vpn.tree.Directory;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.InvalidDataException;
import walt.vpn.tree.Node;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.Symlink;

@Command(name = "ls", mixinStandardHelpOptions = true,
        description = "List a directory (or show one entry) inside an image, like ls -l.")
final class LsCommand implements Callable<Integer> {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    @Parameters(index = "0", paramLabel = "IMAGE[@N]:/path", description = "@N: partition number; without it, a bare filesystem.")
    String location;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        ImageLocation loc = ImageLocation.parse(location, true);
        PrintWriter out = spec.commandLine().getOut();
        try (OpenedFilesystem fs = OpenedFilesystem.open(loc)) {
            FileTree tree = fs.filesystem().readTree();
            Node node = tree.lookup(loc.path());
            if (node == null) {
                throw new InvalidDataException(loc + ": no such file or directory");
            }
            Map<Node, Integer> links = tree.pathCounts();
            if (node instanceof Directory d) {
                for (Map.Entry<String, Node> e : d.children().entrySet()) {
                    out.println(line(e.getKey(), e.getValue(), links));
                }
            } else {
                out.println(line(loc.path(), node, links));
            }
        }
        out.flush();
        return 0;
    }

    static String line(String name, Node n, Map<Node, Integer> links) {
        var m = n.metadata();
        String size = "0";
        if (n instanceof RegularFile f) {
            size = Long.toString(f.content().size());
        } else if (n instanceof DeviceNode dev) {
            size = dev.major() + ", " + dev.minor();
        }
        int nlink = n instanceof Directory d ? 2 + (int) d.children().values().stream().filter(c -> c instanceof Directory).count()
                : links.getOrDefault(n, 1);
        String shown = EntryName.printable(name) + (n instanceof Symlink s ? " -> " + EntryName.printable(s.target()) : "");
        return String.format("%s %3d %5d %5d %12s %s %s", ModeString.of(n), nlink, m.uid(), m.gid(), size,
                TIME.format(m.mtime().toInstant()), shown);
    }
}
