package walt.vpn.tree;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A second look at a tar's headers for what Commons Compress decodes lossily: it turns PAX
 * values into Strings, which breaks binary xattrs such as {@code security.capability}. This
 * walks the headers only (never the data) and keeps, for each real entry in archive order, the
 * raw {@code SCHILY.xattr.*} values of its PAX header (by xattr name) and its
 * {@code SCHILY.acl.*} records (by their PAX name).
 */
final class TarHeaderScan {

    /** PAX headers beyond this are not xattrs anyone needs; refusing them bounds memory. */
    private static final int MAX_PAX = 16 << 20;

    private TarHeaderScan() {
    }

    /** What the scan found: per-entry xattrs, and whether any member is PAX 1.0 sparse. */
    record Result(List<Map<String, byte[]>> xattrs, boolean hasPax1Sparse) {
    }

    static Result scan(FileChannel ch, String where) throws IOException {
        TarHeaderScan s = new TarHeaderScan();
        List<Map<String, byte[]>> x = s.xattrsPerEntry(ch, where);
        return new Result(x, s.sawPax1Sparse);
    }

    private boolean sawPax1Sparse;

    private List<Map<String, byte[]>> xattrsPerEntry(FileChannel ch, String where) throws IOException {
        List<Map<String, byte[]>> result = new ArrayList<>();
        long size = ch.size();
        long pos = 0;
        Map<String, byte[]> pending = null;
        ByteBuffer h = ByteBuffer.allocate(512);
        while (pos + 512 <= size) {
            h.clear();
            readFully(ch, h, pos);
            byte[] b = h.array();
            if (isZero(b)) {
                break;
            }
            char type = (char) b[156];
            long dataSize = number(b, 124, 12, where);
            long data = pos + 512;
            if (type == 'x' || type == 'X') {
                if (dataSize > MAX_PAX || data + dataSize > size) {
                    throw new InvalidDataException(where + ": PAX header at byte " + pos + " is truncated or too large");
                }
                ByteBuffer body = ByteBuffer.allocate((int) dataSize);
                readFully(ch, body, data);
                PaxRecords r = PaxRecords.decode(body.array(), where);
                pending = new HashMap<>();
                for (Map.Entry<String, byte[]> e : r.asMap().entrySet()) {
                    if (e.getKey().startsWith("SCHILY.xattr.")) {
                        pending.put(e.getKey().substring("SCHILY.xattr.".length()), e.getValue());
                    } else if (e.getKey().equals("SCHILY.acl.access") || e.getKey().equals("SCHILY.acl.default")) {
                        // Kept under their PAX names; TarImporter turns them into ACL xattrs.
                        pending.put(e.getKey(), e.getValue());
                    }
                    if ((e.getKey().equals("GNU.sparse.realsize") || e.getKey().equals("GNU.sparse.size"))
                            && parseLong(new String(e.getValue(), StandardCharsets.US_ASCII), where) > Integer.MAX_VALUE) {
                        // Commons Compress parses these as int; say so rather than fail obscurely.
                        throw new InvalidDataException(where + ": PAX sparse member of "
                                + new String(e.getValue(), StandardCharsets.US_ASCII) + " bytes: sparse members over 2 GiB are not supported");
                    }
                    if (e.getKey().equals("GNU.sparse.major") && new String(e.getValue(), StandardCharsets.US_ASCII).equals("1")) {
                        sawPax1Sparse = true;
                    }
                    if (e.getKey().equals("size")) {
                        dataSize = parseLong(new String(e.getValue(), StandardCharsets.US_ASCII), where);
                    }
                }
                // The PAX size applies to the entry that follows, not to this header.
                pos = data + round(body.capacity());
                Long paxSize = r.asMap().containsKey("size") ? dataSize : null;
                pos = nextAfterEntry(ch, pos, size, paxSize, pending, result, where);
                pending = null;
                continue;
            }
            if (type == 'g' || type == 'L' || type == 'K') {
                pos = data + round(dataSize);
                continue;
            }
            pos = nextAfterEntry(ch, pos, size, null, pending, result, where);
            pending = null;
        }
        return result;
    }

    /** Skips the entry whose header is at {@code pos} (after any GNU long-name headers). */
    private static long nextAfterEntry(FileChannel ch, long pos, long fileSize, Long paxSize,
                                       Map<String, byte[]> xattrs, List<Map<String, byte[]>> out,
                                       String where) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(512);
        while (true) {
            if (pos + 512 > fileSize) {
                throw new InvalidDataException(where + ": archive ends inside a header at byte " + pos);
            }
            h.clear();
            readFully(ch, h, pos);
            byte[] b = h.array();
            char type = (char) b[156];
            long dataSize = number(b, 124, 12, where);
            if (type == 'L' || type == 'K') {
                pos += 512 + round(dataSize);
                continue;
            }
            out.add(xattrs == null ? Map.of() : xattrs);
            long data = pos + 512;
            if (type == 'S' && b[482] != 0) {
                // Old GNU sparse: extension blocks follow until one says "no more".
                ByteBuffer ext = ByteBuffer.allocate(512);
                do {
                    if (data + 512 > fileSize) {
                        throw new InvalidDataException(where + ": archive ends inside a sparse map");
                    }
                    ext.clear();
                    readFully(ch, ext, data);
                    data += 512;
                } while (ext.array()[504] != 0);
            }
            return data + round(paxSize != null ? paxSize : dataSize);
        }
    }

    private static long round(long n) {
        return (n + 511) / 512 * 512;
    }

    static long number(byte[] b, int off, int len, String where) throws InvalidDataException {
        if ((b[off] & 0x80) != 0) {
            // GNU base-256: big-endian two's complement in the remaining bytes.
            long v = b[off] & 0x3F;
            for (int i = 1; i < len; i++) {
                if ((v >>> 55) != 0) {
                    throw new InvalidDataException(where + ": numeric header field too large");
                }
                v = (v << 8) | (b[off + i] & 0xFF);
            }
            return v;
        }
        long v = 0;
        int i = off;
        int end = off + len;
        while (i < end && (b[i] == ' ' || b[i] == 0)) {
            i++;
        }
        for (; i < end && b[i] >= '0' && b[i] <= '7'; i++) {
            v = (v << 3) | (b[i] - '0');
        }
        return v;
    }

    private static long parseLong(String s, String where) throws InvalidDataException {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw new InvalidDataException(where + ": bad PAX number '" + s + "'");
        }
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, pos);
            if (n < 0) {
                throw new InvalidDataException("tar archive ends early at byte " + pos);
            }
            pos += n;
        }
    }
}
