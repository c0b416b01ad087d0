package walt.vpn.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import walt.vpn.disk.ImageFile;
import walt.vpn.disk.MbrPartitionEntry;
import walt.vpn.disk.MbrPartitionTable;
import walt.vpn.disk.Storage;
import walt.vpn.tree.FilesystemSummary;
import walt.vpn.tree.ReadableFilesystem;

@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show an image's partitions and, for each filesystem, its type, features and usage.")
final class InspectCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE")
    Path image;

    @Option(names = "--json", description = "Machine-readable output.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Map<String, Object> report = new LinkedHashMap<>();
        try (ImageFile img = ImageFile.openReadOnly(image)) {
            report.put("image", image.toString());
            report.put("size", img.size());
            if (MbrPartitionTable.looksLikeMbr(img)) {
                MbrPartitionTable table = MbrPartitionTable.read(img);
                report.put("partitionTable", "mbr");
                report.put("diskSignature", String.format("%08x", table.diskSignature()));
                List<Map<String, Object>> parts = new ArrayList<>();
                for (MbrPartitionEntry e : table.entries()) {
                    Map<String, Object> p = new LinkedHashMap<>();
                    p.put("number", e.number());
                    p.put("type", String.format("0x%02x", e.type()));
                    p.put("bootable", e.bootable());
                    p.put("start", e.startBytes());
                    p.put("size", e.sizeBytes());
                    p.put("partuuid", table.partUuid(e.number()));
                    p.put("filesystem", summarize(table.partitionStorage(img, e.number()), image + "@" + e.number()));
                    parts.add(p);
                }
                report.put("partitions", parts);
            } else {
                report.put("partitionTable", "none");
                // A bare image must hold a filesystem: anything else is bad input.
                OpenedFilesystem.detect(img, image);
                report.put("filesystem", summarize(img, image));
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
        } else {
            printText(out, report);
        }
        out.flush();
        return 0;
    }

    /** The filesystem's summary, or why there is none: one bad partition must not hide the others. */
    private static Map<String, Object> summarize(Storage s, Object name) {
        Map<String, Object> m = new LinkedHashMap<>();
        try {
            ReadableFilesystem fs = OpenedFilesystem.detect(s, name);
            try {
                FilesystemSummary f = fs.summary();
                m.put("type", f.type());
                m.put("label", f.label());
                m.put("uuid", f.uuid());
                m.put("size", f.sizeBytes());
                // An impossible count is shown as unknown (null), with why, rather than as a number.
                m.put("used", f.usageKnown() ? f.usedBytes() : null);
                m.put("free", f.usageKnown() ? f.freeBytes() : null);
                m.put("blockSize", f.blockSize());
                m.put("inodes", f.inodeCount());
                m.put("freeInodes", f.inodeUsageKnown() ? f.freeInodes() : null);
                m.put("features", f.features());
                if (!f.problems().isEmpty()) {
                    m.put("warnings", f.problems());
                }
            } finally {
                if (fs instanceof java.io.Closeable c) {
                    c.close();
                }
            }
        } catch (IOException | RuntimeException e) {
            m.put("type", "unknown");
            m.put("error", ErrorReporter.describe(e));
        }
        return m;
    }

    @SuppressWarnings("unchecked")
    private static void printText(PrintWriter out, Map<String, Object> r) {
        out.printf("%s: %d bytes, partition table: %s%n", r.get("image"), (Long) r.get("size"), r.get("partitionTable"));
        if (r.containsKey("diskSignature")) {
            out.printf("disk signature: %s%n", r.get("diskSignature"));
            for (Map<String, Object> p : (List<Map<String, Object>>) r.get("partitions")) {
                out.printf("partition %s: type %s%s, start %s, size %s, PARTUUID=%s%n", p.get("number"), p.get("type"),
                        Boolean.TRUE.equals(p.get("bootable")) ? " (boot)" : "", p.get("start"), p.get("size"), p.get("partuuid"));
                printFs(out, (Map<String, Object>) p.get("filesystem"), "  ");
            }
        } else {
            printFs(out, (Map<String, Object>) r.get("filesystem"), "");
        }
    }

    private static Object orUnknown(Object value) {
        return value == null ? "unknown" : value;
    }

    private static void printFs(PrintWriter out, Map<String, Object> f, String indent) {
        if (f.containsKey("error")) {
            out.printf("%sfilesystem: unknown (%s)%n", indent, f.get("error"));
            return;
        }
        out.printf("%sfilesystem: %s, label '%s', uuid %s%n", indent, f.get("type"),
                EntryName.printable(String.valueOf(f.get("label"))), f.get("uuid"));
        out.printf("%s  size %s, used %s, free %s, block size %s, inodes %s (%s free)%n", indent,
                f.get("size"), orUnknown(f.get("used")), orUnknown(f.get("free")), f.get("blockSize"), f.get("inodes"),
                orUnknown(f.get("freeInodes")));
        out.printf("%s  features: %s%n", indent, String.join(" ", (List<String>) f.get("features")));
        for (String w : (List<String>) f.getOrDefault("warnings", List.of())) {
            out.printf("%s  warning: %s%n", indent, w);
        }
    }
}
