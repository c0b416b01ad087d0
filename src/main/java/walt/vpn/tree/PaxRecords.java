package walt.vpn.tree;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The body of a PAX extended header: records {@code "LEN key=value\n"} whose values are raw
 * bytes. Kept as bytes because xattr values such as {@code security.capability} are binary
 * and would not survive a round trip through a String.
 */
final class PaxRecords {

    private final Map<String, byte[]> records = new LinkedHashMap<>();

    void put(String key, byte[] value) {
        records.put(key, value);
    }

    void put(String key, String value) {
        records.put(key, value.getBytes(StandardCharsets.UTF_8));
    }

    Map<String, byte[]> asMap() {
        return records;
    }

    boolean isEmpty() {
        return records.isEmpty();
    }

    byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> e : records.entrySet()) {
            byte[] key = e.getKey().getBytes(StandardCharsets.UTF_8);
            // The length counts its own digits: grow it until it is consistent.
            int rest = 1 + key.length + 1 + e.getValue().length + 1;
            int len = rest + 1;
            while (Integer.toString(len).length() + rest != len) {
                len = Integer.toString(len).length() + rest;
            }
            out.writeBytes(Integer.toString(len).getBytes(StandardCharsets.US_ASCII));
            out.write(' ');
            out.writeBytes(key);
            out.write('=');
            out.writeBytes(e.getValue());
            out.write('\n');
        }
        return out.toByteArray();
    }

    static PaxRecords decode(byte[] body, String where) throws InvalidDataException {
        PaxRecords r = new PaxRecords();
        int pos = 0;
        while (pos < body.length) {
            if (body[pos] == 0) {
                break; // padding some writers leave after the last record
            }
            int space = pos;
            int len = 0;
            while (space < body.length && body[space] >= '0' && body[space] <= '9' && space - pos < 9) {
                len = len * 10 + (body[space] - '0');
                space++;
            }
            if (space == pos || space >= body.length || body[space] != ' ' || len <= space - pos + 1
                    || pos + len > body.length || body[pos + len - 1] != '\n') {
                throw new InvalidDataException(where + ": malformed PAX record at byte " + pos);
            }
            int eq = space + 1;
            while (eq < pos + len - 1 && body[eq] != '=') {
                eq++;
            }
            if (eq >= pos + len - 1) {
                throw new InvalidDataException(where + ": PAX record without '=' at byte " + pos);
            }
            String key = new String(body, space + 1, eq - space - 1, StandardCharsets.UTF_8);
            byte[] value = java.util.Arrays.copyOfRange(body, eq + 1, pos + len - 1);
            r.records.put(key, value);
            pos += len;
        }
        return r;
    }
}
