package walt.vpn.image.boot;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import walt.vpn.tree.InvalidDataException;

/** Broken module files give one clear error naming the file, never another exception. */
class ModuleInfoTest {

    @Property(tries = 200)
    void randomBytesAreRefused(@ForAll byte[] junk) {
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> ModuleInfo.parse("junk.ko", junk));
        assertTrue(e.getMessage().startsWith("junk.ko: "), e.getMessage());
        assertThrows(InvalidDataException.class, () -> ModuleInfo.parse("junk.ko.xz", junk));
    }

    @Test
    void truncatedAndCorruptedRealModulesAreRefused() throws Exception {
        TrixieArm64.Unpacked k = TrixieArm64.get();
        KernelModules modules = KernelModules.of(k.root(), k.kernelVersion());
        String path = modules.path("ext4");
        byte[] xz;
        try (var in = java.nio.channels.Channels.newInputStream(((walt.vpn.tree.RegularFile) k.root().lookup(path)).content().open())) {
            xz = in.readAllBytes();
        }
        ModuleInfo ok = ModuleInfo.parse(path, xz);
        assertTrue(ok.depends().contains("jbd2") && ok.softPre().contains("crypto_crc32c"), ok.toString());
        assertThrows(InvalidDataException.class, () -> ModuleInfo.parse(path, Arrays.copyOf(xz, xz.length / 2)));
        Random r = new Random(1);
        for (int i = 0; i < 20; i++) {
            byte[] bad = xz.clone();
            bad[64 + r.nextInt(bad.length - 64)] ^= (byte) (1 + r.nextInt(255));
            try {
                ModuleInfo.parse(path, bad);
            } catch (InvalidDataException expected) {
                // a flipped byte may land where nothing checks it; what must not happen is another exception
            }
        }
    }
}
