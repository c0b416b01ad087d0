package walt.vpn.tree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.testing.Tools;

/** The kernel is the oracle for the ACL encoding: GNU tar --acls sets ACLs, python reads the xattr. */
class TarAclTest {

    private static final String ACCESS = "user::rw-,user:1000:r--,group::r--,group:50:rw-,mask::rw-,other::---";
    private static final String DEFAULT = "user::rwx,group::r-x,group:7:rwx,mask::rwx,other::r-x";

    @TempDir
    Path dir;

    private String kernelAcl(Path file, String name) throws Exception {
        Tools.Result r = Tools.run("python3", "-c", "import os,sys;print(os.getxattr(sys.argv[1],sys.argv[2]).hex())", file.toString(), name);
        assertEquals(0, r.exit(), r.all());
        return r.stdout().trim();
    }

    private Path extract(Path tar) throws Exception {
        Path out = Files.createDirectory(dir.resolve("out-" + tar.getFileName()));
        Tools.Result r = Tools.run(List.of("tar", "--acls", "-xf", tar.toString(), "-C", out.toString()), null, 60);
        assertEquals(0, r.exit(), r.all());
        return out;
    }

    @Test
    void gnuTarAclTextBecomesTheKernelsXattr() throws Exception {
        Tools.require("tar");
        Tools.require("python3");
        Path tar = dir.resolve("acl.tar");
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(Files.newOutputStream(tar))) {
            TarArchiveEntry d = new TarArchiveEntry("d/");
            d.addPaxHeader("SCHILY.acl.default", DEFAULT);
            out.putArchiveEntry(d);
            out.closeArchiveEntry();
            TarArchiveEntry f = new TarArchiveEntry("d/f");
            f.setMode(0100660);
            f.addPaxHeader("SCHILY.acl.access", ACCESS);
            out.putArchiveEntry(f);
            out.closeArchiveEntry();
            TarArchiveEntry named = new TarArchiveEntry("named");
            named.addPaxHeader("SCHILY.acl.access", "user::rw-,user:bob:r--,group::r--,mask::r--,other::---");
            out.putArchiveEntry(named);
            out.closeArchiveEntry();
        }
        List<String> warnings = new ArrayList<>();
        FileTree t = TarImporter.read(tar, warnings::add);
        Path x = extract(tar);
        assertEquals(kernelAcl(x.resolve("d/f"), "system.posix_acl_access"),
                HexFormat.of().formatHex(t.lookup("/d/f").metadata().xattrs().get("system.posix_acl_access")));
        assertEquals(kernelAcl(x.resolve("d"), "system.posix_acl_default"),
                HexFormat.of().formatHex(t.lookup("/d").metadata().xattrs().get("system.posix_acl_default")));
        assertNull(t.lookup("/named").metadata().xattrs().get("system.posix_acl_access"));
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("named") && warnings.get(0).contains("user:bob"), warnings.get(0));
    }

    @Test
    void exportedAclsAreRestoredByGnuTar() throws Exception {
        Tools.require("tar");
        Tools.require("python3");
        Timestamp t0 = Timestamp.ofSeconds(1_000_000);
        FileTree tree = FileTree.empty(t0);
        byte[] acl = PosixAcl.parseText(ACCESS).toXattr();
        tree.put("/f", new RegularFile(Metadata.of(0660, t0).withXattrs(Xattrs.NONE.with("system.posix_acl_access", acl)),
                BytesContent.of("x")), Metadata.of(0755, t0));
        Path tar = dir.resolve("ours.tar");
        try (OutputStream out = Files.newOutputStream(tar)) {
            TarExporter.write(tree, out);
        }
        assertEquals(kernelAcl(extract(tar).resolve("f"), "system.posix_acl_access"), HexFormat.of().formatHex(acl));
        assertArrayEquals(acl, TarImporter.read(tar).lookup("/f").metadata().xattrs().get("system.posix_acl_access"));
        assertEquals(ACCESS, PosixAcl.fromXattr(acl).toText());
    }

    @Test
    void malformedAclTextIsInvalidData() {
        for (String bad : new String[] {"user::rwz", "bogus::rw-", "mask:5:rw-", "user"}) {
            InvalidDataException e = assertThrows(InvalidDataException.class, () -> PosixAcl.parseText(bad), bad);
            assertTrue(e.getMessage().contains("ACL"), e.getMessage());
        }
    }
}
