package walt.vpn.image.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The streaming reader gives the tree ObjectMapper.readTree gives, node type for node type. */
class YamlTreeTest {

    static Stream<String> documents() throws IOException {
        List<String> shapes = List.of(
                "name: x\nsize: 420\nmode: 0644\nquoted: \"0644\"\nbig: 123456789012\nhuge: 123456789012345678901234567890\n",
                "ratio: 1.5\nexp: 1e300\nyes: true\nno: false\nnothing: null\ntilde: ~\nempty:\n",
                "list: [a, 1, 2.5, true, null, {k: v}, [x]]\nnested: {a: {b: {c: [1, 2]}}}\n",
                "dup: 1\ndup: 2\n",
                "anchor: &a {k: v}\nalias: *a\n",
                "blob: !!binary aGVsbG8=\n",
                "- a\n- b\n",
                "just a string\n",
                "first: 1\n---\nsecond: 2\n",
                "multi: |\n  line one\n  line two\nfolded: >\n  a\n  b\n");
        try (Stream<Path> recipes = Files.list(Path.of("image-recipes"))) {
            List<String> files = recipes.filter(p -> p.toString().endsWith(".yaml")).sorted().map(p -> {
                try {
                    return Files.readString(p);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
            return Stream.concat(shapes.stream(), files.stream());
        }
    }

    @ParameterizedTest
    @MethodSource("documents")
    void givesTheTreeReadTreeGives(String yaml) throws IOException {
        JsonNode expected = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        JsonNode actual = YamlTree.read(yaml);
        assertEquals(expected, actual);
        assertSameTypes(expected, actual, "");
    }

    @Test
    void anEmptyDocumentIsNoTree() throws IOException {
        assertNull(YamlTree.read(""));
        assertNull(YamlTree.read("# only a comment\n"));
    }

    @Test
    void badYamlIsAnIoError() {
        assertThrows(IOException.class, () -> YamlTree.read("a: [1, 2\n"));
        assertThrows(IOException.class, () -> YamlTree.read("a: b: c\n"));
    }

    private static void assertSameTypes(JsonNode expected, JsonNode actual, String at) {
        assertEquals(expected.getClass(), actual.getClass(), "node type at '" + at + "'");
        if (expected.isContainerNode()) {
            assertEquals(expected.size(), actual.size(), at);
            if (expected.isObject()) {
                expected.fieldNames().forEachRemaining(k -> assertSameTypes(expected.get(k), actual.get(k), at + "." + k));
            } else {
                for (int i = 0; i < expected.size(); i++) {
                    assertSameTypes(expected.get(i), actual.get(i), at + "[" + i + "]");
                }
            }
        }
    }
}
