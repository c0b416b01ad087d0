package walt.vpn.image.recipe;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;

/**
 * A YAML document as Jackson's tree, read from the streaming parser: the nodes an
 * {@code ObjectMapper}'s {@code readTree} makes, without the mapper, whose set-up (date formats,
 * locale data, type caches) costs setup-node more than the recipe it reads.
 */
final class YamlTree {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private YamlTree() {
    }

    /** The first document of {@code yaml}; null when there is none. A key given twice keeps its last value. */
    static JsonNode read(String yaml) throws IOException {
        try (JsonParser p = new YAMLFactory().createParser(yaml)) {
            return p.nextToken() == null ? null : value(p);
        }
    }

    private static JsonNode value(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT -> {
                ObjectNode object = NODES.objectNode();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    p.nextToken();
                    object.set(key, value(p));
                }
                return object;
            }
            case START_ARRAY -> {
                ArrayNode array = NODES.arrayNode();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    array.add(value(p));
                }
                return array;
            }
            case VALUE_STRING -> {
                return NODES.textNode(p.getText());
            }
            case VALUE_NUMBER_INT -> {
                return switch (p.getNumberType()) {
                    case INT -> NODES.numberNode(p.getIntValue());
                    case LONG -> NODES.numberNode(p.getLongValue());
                    default -> NODES.numberNode(p.getBigIntegerValue());
                };
            }
            case VALUE_NUMBER_FLOAT -> {
                return p.getNumberType() == JsonParser.NumberType.BIG_DECIMAL
                        ? NODES.numberNode(p.getDecimalValue()) : NODES.numberNode(p.getDoubleValue());
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return NODES.booleanNode(t == JsonToken.VALUE_TRUE);
            }
            case VALUE_NULL -> {
                return NODES.nullNode();
            }
            case VALUE_EMBEDDED_OBJECT -> {
                // YAML's !!binary: a value, as readTree makes it.
                Object o = p.getEmbeddedObject();
                return o instanceof byte[] bytes ? NODES.binaryNode(bytes) : NODES.pojoNode(o);
            }
            default -> throw new IOException("unexpected " + t + " at line " + p.currentLocation().getLineNr());
        }
    }
}
