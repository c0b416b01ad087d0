package walt.vpn.deb;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import walt.vpn.testing.Tools;

/**
 * Small packages made by the real {@code dpkg-deb --build} for tests: a staging directory
 * ({@code DEBIAN/} plus files) built with the compression asked for.
 */
final class TestDebs {

    private TestDebs() {
    }

    /** Writes {@code text} at {@code rel} under {@code dir} with {@code mode}. */
    static Path file(Path dir, String rel, String text, String mode) throws IOException {
        Path p = dir.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
        return p;
    }

    static Path control(Path staging, String name, String extraFields) throws IOException {
        return file(staging, "DEBIAN/control", "Package: " + name + "\nVersion: 1.0-1\nArchitecture: amd64\n"
                + "Maintainer: walt-vpn tests <tests@example.org>\n" + extraFields
                + "Description: test package " + name + "\n long description line\n .\n second paragraph\n", "rw-r--r--");
    }

    /**
     * {@code dpkg-deb --build -Z<compression>} of {@code staging} into {@code out}; owners are
     * kept as they are on disk when {@code keepOwners}, else all root.
     */
    static Path build(Path staging, Path out, String compression, boolean keepOwners) throws IOException, InterruptedException {
        Tools.require("dpkg-deb");
        List<String> cmd = new ArrayList<>(List.of("dpkg-deb", "-Z" + compression, "--build"));
        if (!keepOwners) {
            cmd.add("--root-owner-group");
        }
        cmd.add(staging.toString());
        cmd.add(out.toString());
        Tools.Result r = Tools.run(cmd, null, 120, Map.of("SOURCE_DATE_EPOCH", "1700000000"));
        assertEquals(0, r.exit(), r.all());
        return out;
    }
}
