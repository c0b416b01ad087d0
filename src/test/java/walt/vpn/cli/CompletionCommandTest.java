package walt.vpn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.testing.Tools;

/** The completion script, loaded by bash and asked what a user's Tab would ask. */
class CompletionCommandTest {

    @TempDir
    Path dir;

    /** What bash's completion offers for {@code line}, the cursor at its end. */
    private static String complete(Path script, String line) throws Exception {
        String bash = "source \"$1\" 2>/dev/null; line=\"$2\"; read -ra COMP_WORDS <<< \"$line\";"
                + " [ \"${line: -1}\" = ' ' ] && COMP_WORDS+=('');"
                + " COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE=\"$line\"; COMP_POINT=${#line};"
                + " _complete_walt 2>/dev/null; echo \"${COMPREPLY[*]}\"";
        Tools.Result r = Tools.run(List.of("bash", "-c", bash, "bash", script.toString(), line), null, 30);
        assertEquals(0, r.exit(), r.all());
        return r.stdout().strip();
    }

    @Test
    void bashCompletesCommandsOptionsAndChoices() throws Exception {
        Tools.require("bash");
        StringWriter out = new StringWriter();
        picocli.CommandLine cl = CommandTree.forArguments("completion");
        cl.setOut(new PrintWriter(out));
        assertEquals(0, cl.execute("completion"));
        Path script = Files.writeString(dir.resolve("walt.bash"), out.toString());
        assertEquals(0, Tools.run("bash", "-n", script.toString()).exit());

        assertEquals("mkfs", complete(script, "walt vpn-image m"));
        assertEquals("setup-node setup-proxy", complete(script, "walt vpn se"));
        assertEquals("--owners", complete(script, "walt vpn-image mkfs --ow"));
        assertEquals("keep root", complete(script, "walt vpn-image mkfs --owners "));
        assertEquals("init run", complete(script, "walt vpn-server "));
    }
}
