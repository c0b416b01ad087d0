package walt.vpn.image.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BootPartitionTest {

    private static BootPartition of(Map<String, String> config, List<String> extra) {
        return new BootPartition("6.12.117+deb13-arm64", "1a2b3c4d-02", "1a2b3c4d-01", config, extra);
    }

    @Test
    void configAndCmdlineAsDebiansHookWritesThem() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("dtoverlay", "disable-bt");
        config.put("gpu_mem", "16");
        BootPartition b = of(config, List.of("quiet"));
        assertEquals("arm_64bit=1\nenable_uart=1\nupstream_kernel=1\nkernel=vmlinuz-6.12.117+deb13-arm64\n"
                + "initramfs initrd.img-6.12.117+deb13-arm64\ndtoverlay=disable-bt\ngpu_mem=16\n", b.configTxt());
        assertEquals("console=tty0 console=ttyS1,115200 root=PARTUUID=1a2b3c4d-02 rw fsck.repair=yes net.ifnames=0 rootwait quiet\n",
                b.cmdlineTxt());
        assertTrue(b.fstab().contains("PARTUUID=1a2b3c4d-02  /  ext4  defaults,noatime,x-systemd.growfs  0  1\n"), b.fstab());
        assertTrue(b.fstab().contains("PARTUUID=1a2b3c4d-01  /boot/firmware  vfat"), b.fstab());
    }

    @Test
    void hostileValuesAreRefusedBeforeTheyReachAFile() {
        // A newline would add a config.txt line or a second kernel command line.
        assertThrows(IllegalArgumentException.class, () -> of(Map.of("gpu_mem", "16\nkernel=evil"), List.of()));
        assertThrows(IllegalArgumentException.class, () -> of(Map.of("gpu mem", "16"), List.of()));
        assertThrows(IllegalArgumentException.class, () -> of(Map.of(), List.of("init=/bin/sh quiet")));
        assertThrows(IllegalArgumentException.class, () -> of(Map.of(), List.of("a\u001b[2J")));
        assertThrows(IllegalArgumentException.class, () -> new BootPartition("6.12", "1a2b3c4d-2", "1a2b3c4d-01", Map.of(), List.of()));
        assertThrows(IllegalArgumentException.class, () -> new BootPartition("6.12/../../x y", "1a2b3c4d-02", "1a2b3c4d-01", Map.of(), List.of()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> of(Map.of("k", "v\u0007"), List.of()));
        assertTrue(e.getMessage().contains("\\x07"), "the message shows the control character escaped: " + e.getMessage());
    }
}
