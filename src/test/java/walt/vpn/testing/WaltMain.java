package walt.vpn.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line that runs {@code walt} from the test class path in a fresh JVM (for other namespaces, exit codes, stderr). */
public final class WaltMain {

    private WaltMain() {
    }

    public static List<String> command(String... args) {
        return command(List.of(), args);
    }

    /** With JVM options first, say {@code -Duser.home=...} (Java takes the home from the account, not $HOME). */
    public static List<String> command(List<String> jvmOptions, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "walt.vpn.cli.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    public static Tools.Result run(String... args) throws java.io.IOException, InterruptedException {
        return Tools.run(command(args), null, 60);
    }
}
