package walt.vpn.deb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import walt.vpn.tree.InvalidDataException;

/** The status file of a base is kept as it is: the host's own status file is the oracle. */
class StatusParagraphTest {

    @Test
    void hostStatusFileSurvivesParseAndRenderByteForByte() throws Exception {
        Path status = Path.of("/var/lib/dpkg/status");
        assumeTrue(Files.isReadable(status), "no dpkg status file on this host");
        String text = Files.readString(status, StandardCharsets.UTF_8);
        List<StatusParagraph> all = StatusParagraph.parseAll(text, status.toString());
        StringBuilder sb = new StringBuilder();
        for (StatusParagraph p : all) {
            sb.append(p.render()).append('\n');
        }
        assertEquals(text, sb.toString());
        assumeTrue(all.size() > 10, "few packages");
    }

    @Test
    void setFieldKeepsDpkgOrder() throws Exception {
        StatusParagraph p = StatusParagraph.parseAll("Package: a\nVersion: 1\nArchitecture: all\nX-Custom: y\n"
                + "Description: d\n more\n", "t").get(0);
        assertEquals("Package: a\nStatus: install ok unpacked\nArchitecture: all\nVersion: 1\nDescription: d\n more\nX-Custom: y\n",
                p.with("Status", "install ok unpacked").render());
    }

    @Test
    void badLinesAreNamed() {
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> StatusParagraph.parseAll("Package: a\nno colon here\n", "/var/lib/dpkg/status"));
        assertEquals("/var/lib/dpkg/status: line 2: not a 'Field: value' line: no colon here", e.getMessage());
        e = assertThrows(InvalidDataException.class, () -> StatusParagraph.parseAll(" continuation\n", "s"));
        assertEquals("s: line 1: continuation line without a field", e.getMessage());
    }
}
