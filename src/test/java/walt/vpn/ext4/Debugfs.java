package walt.vpn.ext4;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import walt.vpn.testing.Tools;

/** e2fsprogs' debugfs as the read-back oracle: one process runs a whole batch of requests. */
final class Debugfs {

    private Debugfs() {
    }

    /** Runs {@code requests} (debugfs commands) against {@code image}; returns each request's output. */
    static Map<String, String> batch(Path image, List<String> requests) throws IOException, InterruptedException {
        Tools.require("debugfs");
        Path cmds = Files.createTempFile("debugfs", ".cmds");
        try {
            Files.write(cmds, requests);
            Tools.Result res = Tools.run(List.of("debugfs", "-f", cmds.toString(), image.toString()), null, 300);
            // debugfs echoes each command as "debugfs: CMD" before its output.
            Map<String, String> out = new LinkedHashMap<>();
            int index = -1;
            StringBuilder sb = new StringBuilder();
            for (String l : res.stdout().split("\n", -1)) {
                if (l.startsWith("debugfs: ") && index + 1 < requests.size() && l.equals("debugfs: " + requests.get(index + 1))) {
                    if (index >= 0) {
                        out.put(requests.get(index), sb.toString());
                    }
                    index++;
                    sb.setLength(0);
                } else if (index >= 0) {
                    sb.append(l).append('\n');
                }
            }
            if (index >= 0) {
                out.put(requests.get(index), sb.toString());
            }
            return out;
        } finally {
            Files.deleteIfExists(cmds);
        }
    }

    static String quote(String path) {
        return "\"" + path.replace("\"", "\\\"") + "\"";
    }
}
