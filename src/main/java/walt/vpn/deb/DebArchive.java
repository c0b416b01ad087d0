package walt.vpn.deb;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.ar.ArArchiveEntry;
import org.apache.commons.compress.archivers.ar.ArArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorInputStream;
import walt.vpn.disk.AtomicOutput;
import walt.vpn.tree.InvalidDataException;

/**
 * A binary package file (deb(5)): an ar archive of {@code debian-binary} (format 2.x),
 * {@code control.tar[.gz|.xz|.zst]} and {@code data.tar[.gz|.xz|.zst|.bz2]}, in that order;
 * members whose names start with {@code _} may follow, as dpkg allows, and are ignored.
 *
 * <p>{@link #open} reads the small control archive into memory and checks the layout; the data
 * archive is only decompressed on {@link #extractDataTar}, into a plain tar that
 * {@link walt.vpn.tree.TarImporter} can read with random access. Every problem with the file is
 * an {@link InvalidDataException} whose one-line message names the .deb.
 */
public final class DebArchive {

    /** A member of the control archive: {@code control}, {@code md5sums}, {@code postinst}, ... */
    public record ControlMember(String name, int mode, byte[] bytes) {
        public ControlMember {
            bytes = bytes.clone();
        }

        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        public String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    private static final long MAX_CONTROL_BYTES = 64L << 20;

    private final Path path;
    private final String name;
    private final Map<String, ControlMember> control;
    private final String dataMember;

    private DebArchive(Path path, Map<String, ControlMember> control, String dataMember) {
        this.path = path;
        this.name = path.getFileName().toString();
        this.control = control;
        this.dataMember = dataMember;
    }

    /** Reads the layout and the control archive of {@code deb}. */
    public static DebArchive open(Path deb) throws IOException {
        String where = deb.getFileName().toString();
        if (!Files.isRegularFile(deb)) {
            throw new java.nio.file.NoSuchFileException(deb.toString(), null, "not a regular file");
        }
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(deb), 1 << 16)) {
            checkArMagic(raw, where);
            Map<String, ControlMember> control = null;
            String data = null;
            try (ArArchiveInputStream ar = new ArArchiveInputStream(new PrefixedStream(AR_MAGIC, raw))) {
                ArArchiveEntry e = nextEntry(ar, where);
                if (e == null || !e.getName().equals("debian-binary")) {
                    throw new InvalidDataException(where + ": not a Debian package: first member is "
                            + (e == null ? "missing" : "'" + e.getName() + "'") + ", not debian-binary");
                }
                String version = new String(readMember(ar, e, 64, where), StandardCharsets.US_ASCII);
                if (!version.matches("2\\.\\d+\\n(?s).*")) {
                    throw new InvalidDataException(where + ": unsupported package format version '"
                            + version.strip() + "' (expected 2.x)");
                }
                while ((e = nextEntry(ar, where)) != null) {
                    String n = e.getName();
                    if (n.startsWith("control.tar")) {
                        if (control != null || data != null) {
                            throw new InvalidDataException(where + ": member " + n + " out of place");
                        }
                        control = readControl(ar, e, where);
                    } else if (n.startsWith("data.tar")) {
                        if (control == null || data != null) {
                            throw new InvalidDataException(where + ": member " + n + " out of place (control.tar must come first, once)");
                        }
                        compression(n, where);
                        data = n;
                        // The data archive is read again on demand; the ar reader skips its bytes here.
                    } else if (!n.startsWith("_")) {
                        throw new InvalidDataException(where + ": unexpected member '" + n + "'");
                    }
                }
            }
            if (control == null) {
                throw new InvalidDataException(where + ": no control.tar member");
            }
            if (data == null) {
                throw new InvalidDataException(where + ": no data.tar member");
            }
            if (!control.containsKey("control")) {
                throw new InvalidDataException(where + ": control archive has no 'control' file");
            }
            return new DebArchive(deb, Collections.unmodifiableMap(control), data);
        }
    }

    public Path path() {
        return path;
    }

    /** The file name of the .deb, as error messages name it. */
    public String fileName() {
        return name;
    }

    /** The {@code control} file: one paragraph of fields. */
    public String controlText() {
        return control.get("control").text();
    }

    /** Every member of the control archive by name (without {@code ./}), in archive order. */
    public Map<String, ControlMember> controlMembers() {
        return control;
    }

    /** The name of the data member, e.g. {@code data.tar.xz}. */
    public String dataMemberName() {
        return dataMember;
    }

    /**
     * Decompresses the data archive into {@code plainTar}, which appears only when complete.
     * Decoding errors (truncated or corrupt data) are reported naming the .deb.
     */
    public void extractDataTar(Path plainTar) throws IOException {
        try (AtomicOutput out = new AtomicOutput(plainTar);
             InputStream raw = new BufferedInputStream(Files.newInputStream(path), 1 << 16)) {
            checkArMagic(raw, name);
            boolean found = false;
            try (ArArchiveInputStream ar = new ArArchiveInputStream(new PrefixedStream(AR_MAGIC, raw));
                 OutputStream os = Files.newOutputStream(out.tempPath(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ArArchiveEntry e;
                while ((e = nextEntry(ar, name)) != null) {
                    if (e.getName().equals(dataMember)) {
                        found = true;
                        copyDecompressed(ar, e, os);
                        break;
                    }
                }
            }
            if (!found) {
                throw new InvalidDataException(name + ": " + dataMember + " vanished (file changed while in use?)");
            }
            out.commit();
        }
    }

    private void copyDecompressed(ArArchiveInputStream ar, ArArchiveEntry e, OutputStream os) throws IOException {
        byte[] buf = new byte[1 << 16];
        long total = 0;
        try (InputStream in = decompressor(ar, e.getName(), name)) {
            while (true) {
                int n;
                try {
                    n = in.read(buf);
                } catch (IOException | RuntimeException ex) {
                    throw corrupt(e.getName(), ex);
                }
                if (n < 0) {
                    break;
                }
                os.write(buf, 0, n);
                total += n;
            }
        } catch (InvalidDataException ex) {
            throw ex;
        } catch (IOException ex) {
            if (ex.getMessage() != null && ex.getMessage().startsWith("No space")) {
                throw ex;
            }
            throw corrupt(e.getName(), ex);
        }
        if (total < 1024) {
            // The smallest tar (two zero blocks) is 1024 bytes: anything less was cut short.
            throw new InvalidDataException(name + ": " + e.getName() + " is truncated (" + total + " bytes once decompressed)");
        }
    }

    private InvalidDataException corrupt(String member, Throwable ex) {
        String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage().lines().findFirst().orElse("");
        return new InvalidDataException(name + ": corrupt " + member + ": " + msg, ex);
    }

    private static final byte[] AR_MAGIC = "!<arch>\n".getBytes(StandardCharsets.US_ASCII);

    /** Checked by hand so a non-ar file gets a plain message rather than the library's. */
    private static void checkArMagic(InputStream in, String where) throws IOException {
        byte[] magic = in.readNBytes(AR_MAGIC.length);
        if (!java.util.Arrays.equals(magic, AR_MAGIC)) {
            throw new InvalidDataException(where + ": not a Debian package (no ar archive signature)");
        }
    }

    private static ArArchiveEntry nextEntry(ArArchiveInputStream ar, String where) throws IOException {
        try {
            return ar.getNextEntry();
        } catch (IOException | RuntimeException ex) {
            String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
            throw new InvalidDataException(where + ": corrupt ar archive: " + msg.lines().findFirst().orElse(""), ex);
        }
    }

    private static byte[] readMember(ArArchiveInputStream ar, ArArchiveEntry e, long max, String where) throws IOException {
        if (e.getLength() > max) {
            throw new InvalidDataException(where + ": member " + e.getName() + " is too large (" + e.getLength() + " bytes)");
        }
        byte[] b = ar.readNBytes((int) e.getLength());
        if (b.length != e.getLength()) {
            throw new InvalidDataException(where + ": truncated in member " + e.getName());
        }
        return b;
    }

    private static Map<String, ControlMember> readControl(ArArchiveInputStream ar, ArArchiveEntry e, String where) throws IOException {
        byte[] compressed = readMember(ar, e, MAX_CONTROL_BYTES, where);
        Map<String, ControlMember> members = new LinkedHashMap<>();
        try (InputStream in = decompressor(new java.io.ByteArrayInputStream(compressed), e.getName(), where);
             TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry t;
            long total = 0;
            while ((t = tar.getNextEntry()) != null) {
                String n = t.getName();
                while (n.startsWith("./")) {
                    n = n.substring(2);
                }
                if (t.isDirectory() || n.isEmpty()) {
                    continue;
                }
                if (!t.isFile() || n.contains("/")) {
                    throw new InvalidDataException(where + ": control archive member '" + t.getName() + "' is not a plain file");
                }
                total += t.getSize();
                if (total > MAX_CONTROL_BYTES) {
                    throw new InvalidDataException(where + ": control archive too large");
                }
                members.put(n, new ControlMember(n, t.getMode() & 07777, tar.readAllBytes()));
            }
        } catch (InvalidDataException ex) {
            throw ex;
        } catch (IOException | RuntimeException ex) {
            String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
            throw new InvalidDataException(where + ": corrupt " + e.getName() + ": " + msg.lines().findFirst().orElse(""), ex);
        }
        return members;
    }

    private static String compression(String member, String where) throws InvalidDataException {
        int dot = member.indexOf(".tar");
        String ext = member.substring(dot + 4);
        return switch (ext) {
            case "", ".gz", ".xz", ".zst", ".bz2" -> ext;
            default -> throw new InvalidDataException(where + ": unsupported compression of member " + member);
        };
    }

    private static InputStream decompressor(InputStream in, String member, String where) throws IOException {
        // The member stream belongs to the ar reader: closing the decompressor must not close it.
        InputStream shielded = new java.io.FilterInputStream(in) {
            @Override
            public void close() {
            }
        };
        try {
            return switch (compression(member, where)) {
                case "" -> shielded;
                case ".gz" -> new GzipCompressorInputStream(shielded, true);
                case ".xz" -> new XZCompressorInputStream(shielded, true);
                case ".zst" -> new ZstdCompressorInputStream(shielded);
                case ".bz2" -> new BZip2CompressorInputStream(shielded, true);
                default -> throw new IllegalStateException(member);
            };
        } catch (IOException | RuntimeException ex) {
            String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
            throw new InvalidDataException(where + ": corrupt " + member + ": " + msg.lines().findFirst().orElse(""), ex);
        }
    }

    /** The ar magic we consumed to check it, put back in front of the rest for the ar reader. */
    private static final class PrefixedStream extends InputStream {
        private final byte[] prefix;
        private final InputStream rest;
        private int pos;

        PrefixedStream(byte[] prefix, InputStream rest) {
            this.prefix = prefix;
            this.rest = rest;
        }

        @Override
        public int read() throws IOException {
            return pos < prefix.length ? prefix[pos++] & 0xFF : rest.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (pos < prefix.length) {
                int n = Math.min(len, prefix.length - pos);
                System.arraycopy(prefix, pos, b, off, n);
                pos += n;
                return n;
            }
            return rest.read(b, off, len);
        }

        @Override
        public void close() throws IOException {
            rest.close();
        }
    }
}
