package walt.vpn.deb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import walt.vpn.tree.InvalidDataException;

/** A Packages index parsed as it is read gives the paragraphs the whole text gives. */
class ControlParagraphStreamTest {

    private static final String INDEX = "# a comment before the first paragraph\n"
            + "Package: hello\r\nVersion: 2.10-3\nArchitecture: arm64\nDescription: example\n two lines\n .\n\n\n"
            + "Package: busybox-static\nVersion: 1:1.37.0-6\nArchitecture: arm64\n\n"
            + "Package: tail\nVersion: 1\nArchitecture: all";

    private static List<Map<String, String>> streamed(String text) throws Exception {
        List<Map<String, String>> out = new ArrayList<>();
        ControlParagraph.parseEach(new BufferedReader(new StringReader(text)), "test", p -> out.add(p.fields()));
        return out;
    }

    @Test
    void sameParagraphsAsTheWholeText() throws Exception {
        List<Map<String, String>> whole = ControlParagraph.parseAll(INDEX, "test").stream().map(ControlParagraph::fields).toList();
        assertEquals(3, whole.size());
        assertEquals(whole, streamed(INDEX));
        assertEquals("example\n two lines\n .", streamed(INDEX).get(0).get("Description"));
        assertEquals("2.10-3", streamed(INDEX).get(0).get("Version"), "the carriage return is not part of the value");
    }

    @Test
    void errorsNameTheLine() {
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> streamed("Package: a\nPackage: b\n"));
        assertTrue(e.getMessage().startsWith("test: line 2: field Package appears twice"), e.getMessage());
    }
}
