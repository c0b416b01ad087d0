package walt.vpn.deb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import walt.vpn.testing.Tools;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.InvalidDataException;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.TarImporter;

/** .deb variants made by dpkg-deb itself, and broken ones. */
class DebArchiveTest {

    @TempDir
    Path tmp;

    private Path staging() throws IOException {
        Path s = tmp.resolve("staging");
        TestDebs.control(s, "walt-test-variant", "");
        TestDebs.file(s, "DEBIAN/postinst", "#!/bin/sh\nset -e\necho configured\n", "rwxr-xr-x");
        TestDebs.file(s, "usr/share/walt-test/hello.txt", "hello from a .deb\n", "rw-r--r--");
        byte[] big = new byte[300_000];
        new Random(7).nextBytes(big);
        Files.write(s.resolve("usr/share/walt-test/random.bin"), big);
        return s;
    }

    @ParameterizedTest
    @CsvSource({"gzip, data.tar.gz", "xz, data.tar.xz", "zstd, data.tar.zst", "none, data.tar"})
    void readsEveryCompressionDpkgDebBuilds(String compression, String member) throws Exception {
        Path deb = TestDebs.build(staging(), tmp.resolve("v_" + compression + ".deb"), compression, false);
        DebArchive a = DebArchive.open(deb);
        assertEquals(member, a.dataMemberName());
        assertTrue(a.controlText().startsWith("Package: walt-test-variant\n"), a.controlText());
        assertEquals(List.of("control", "postinst"), a.controlMembers().keySet().stream().sorted().toList());
        assertEquals(0755, a.controlMembers().get("postinst").mode());

        Path plain = tmp.resolve("data.tar");
        a.extractDataTar(plain);
        // Oracle: dpkg-deb's own decompression of the data member, byte for byte.
        Tools.Result ref = Tools.run(List.of("dpkg-deb", "--fsys-tarfile", deb.toString()), null, 60);
        assertEquals(0, ref.exit(), ref.all());
        assertArrayEquals(ref.stdoutBytes(), Files.readAllBytes(plain));
        FileTree t = TarImporter.read(plain);
        assertEquals("hello from a .deb\n",
                new String(((RegularFile) t.lookup("/usr/share/walt-test/hello.txt")).content().readAll(), StandardCharsets.UTF_8));
    }

    @Test
    void brokenPackagesGiveOneLineErrorsNamingTheDeb() throws Exception {
        Path good = TestDebs.build(staging(), tmp.resolve("good.deb"), "xz", false);
        byte[] bytes = Files.readAllBytes(good);

        assertBroken("truncated.deb", Arrays.copyOf(bytes, bytes.length * 2 / 3), "");
        byte[] flipped = bytes.clone();
        for (int i = bytes.length - 20_000; i < bytes.length - 19_000; i++) {
            flipped[i] ^= 0x5A;
        }
        assertBroken("flipped.deb", flipped, "corrupt data.tar.xz");
        assertBroken("empty.deb", new byte[0], "not a Debian package");
        assertBroken("text.deb", "just some text\n".getBytes(StandardCharsets.US_ASCII), "not a Debian package");

        byte[] control = controlTarGz();
        assertBroken("order.deb", ar(Map.entry("control.tar.gz", control), Map.entry("debian-binary", "2.0\n".getBytes())),
                "first member is 'control.tar.gz'");
        assertBroken("version.deb", ar(Map.entry("debian-binary", "3.0\n".getBytes()), Map.entry("control.tar.gz", control)),
                "unsupported package format version '3.0'");
        assertBroken("nodata.deb", ar(Map.entry("debian-binary", "2.0\n".getBytes()), Map.entry("control.tar.gz", control)),
                "no data.tar member");
        assertBroken("lzma.deb", ar(Map.entry("debian-binary", "2.0\n".getBytes()), Map.entry("control.tar.gz", control),
                Map.entry("data.tar.lzma", new byte[10])), "unsupported compression of member data.tar.lzma");
        assertBroken("garbagecontrol.deb", ar(Map.entry("debian-binary", "2.0\n".getBytes()),
                Map.entry("control.tar.gz", "not gzip".getBytes())), "corrupt control.tar.gz");
        assertBroken("tinydata.deb", ar(Map.entry("debian-binary", "2.0\n".getBytes()), Map.entry("control.tar.gz", control),
                Map.entry("data.tar", new byte[100])), "data.tar is truncated");
    }

    @Test
    void garbageInsideAWellCompressedDataMemberIsNamedByTheDeb() throws Exception {
        byte[] control = controlTarGz();
        byte[] notTar = new byte[4096];
        Arrays.fill(notTar, (byte) 'x');
        Path deb = tmp.resolve("nottar.deb");
        Files.write(deb, ar(Map.entry("debian-binary", "2.0\n".getBytes()), Map.entry("control.tar.gz", control),
                Map.entry("data.tar", notTar)));
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> ForeignInstaller.install(FileTree.empty(
                walt.vpn.tree.Timestamp.EPOCH), List.of(deb), new ForeignInstaller.Options("amd64", walt.vpn.tree.Timestamp.EPOCH,
                tmp.resolve("spool"), w -> { })));
        assertTrue(e.getMessage().startsWith("nottar.deb: data.tar: "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    private void assertBroken(String name, byte[] content, String expected) throws IOException {
        Path deb = tmp.resolve(name);
        Files.write(deb, content);
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> {
            DebArchive a = DebArchive.open(deb);
            a.extractDataTar(tmp.resolve(name + ".tar"));
            TarImporter.read(tmp.resolve(name + ".tar"));
        }, name);
        assertTrue(e.getMessage().startsWith(name + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        try (var leftovers = Files.list(tmp)) {
            assertEquals(List.of(), leftovers.map(p -> p.getFileName().toString()).filter(f -> f.startsWith("." + name)).toList(),
                    "no temporary file left behind");
        }
        if (expected.startsWith("corrupt data")) {
            assertFalse(Files.exists(tmp.resolve(name + ".tar")), "no partial output");
        }
    }

    /** A control.tar.gz holding a valid control file, made with Commons Compress. */
    private static byte[] controlTarGz() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (var gz = new org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream(bytes);
             var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(gz)) {
            byte[] c = "Package: walt-x\nVersion: 1\nArchitecture: all\nDescription: x\n".getBytes(StandardCharsets.UTF_8);
            var e = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("./control");
            e.setSize(c.length);
            tar.putArchiveEntry(e);
            tar.write(c);
            tar.closeArchiveEntry();
        }
        return bytes.toByteArray();
    }

    /** An ar archive in the common format deb(5) uses. */
    @SafeVarargs
    private static byte[] ar(Map.Entry<String, byte[]>... members) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("!<arch>\n".getBytes(StandardCharsets.US_ASCII));
        for (Map.Entry<String, byte[]> m : members) {
            String header = String.format("%-16s%-12s%-6s%-6s%-8s%-10s`\n", m.getKey(), "0", "0", "0", "100644", m.getValue().length);
            out.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(m.getValue());
            if (m.getValue().length % 2 == 1) {
                out.write('\n');
            }
        }
        return out.toByteArray();
    }
}
