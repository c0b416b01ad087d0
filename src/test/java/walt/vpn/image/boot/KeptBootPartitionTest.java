package walt.vpn.image.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import walt.vpn.tree.BytesContent;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.InvalidDataException;
import walt.vpn.tree.Metadata;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.Timestamp;

class KeptBootPartitionTest {

    /** The shape of Raspberry Pi OS's config.txt: settings, then board sections, the last [all]... or not. */
    private static final String RASPIOS_CONFIG = """
            # For more options and information see
            # http://rptl.io/configtxt
            dtparam=audio=on
            camera_auto_detect=1
            dtoverlay=vc4-kms-v3d
            max_framebuffers=2
            arm_64bit=1

            [cm4]
            otg_mode=1

            [cm5]
            dtoverlay=dwc2,dr_mode=host
            """;

    private static final Map<String, String> RENAME = Map.of("0a1b2c3d-01", "deadbeef-01", "0a1b2c3d-02", "deadbeef-02");

    private static KeptBootPartition kept(Map<String, String> config, List<String> cmdline) {
        return new KeptBootPartition(config, cmdline, RENAME);
    }

    @Test
    void settingsReplaceTheUnconditionalLineOrGoUnderAll() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("max_framebuffers", "1");
        config.put("otg_mode", "0");
        config.put("dtoverlay", "disable-bt");
        config.put("enable_uart", "1");
        String out = kept(config, List.of()).configTxt(RASPIOS_CONFIG);
        assertTrue(out.contains("\nmax_framebuffers=1\narm_64bit=1\n"), "replaced where it was: " + out);
        assertTrue(out.contains("[cm4]\notg_mode=1\n"), "a board's own setting is not the one the recipe sets for all: " + out);
        assertTrue(out.contains("dtoverlay=vc4-kms-v3d\n"), "dtoverlay lines add up, none is replaced: " + out);
        assertTrue(out.endsWith("[cm5]\ndtoverlay=dwc2,dr_mode=host\n[all]\notg_mode=0\ndtoverlay=disable-bt\nenable_uart=1\n"), out);
    }

    @Test
    void nothingToAddLeavesTheFileAsItWas() {
        assertEquals(RASPIOS_CONFIG, kept(Map.of(), List.of()).configTxt(RASPIOS_CONFIG));
        assertEquals(RASPIOS_CONFIG, kept(Map.of("dtoverlay", "vc4-kms-v3d", "arm_64bit", "1"), List.of()).configTxt(RASPIOS_CONFIG));
        assertEquals("a=1\n[all]\nb=2\n", kept(Map.of("b", "2"), List.of()).configTxt("a=1\n[all]\n"), "already under [all]");
    }

    @Test
    void cmdlineGetsTheNewPartuuidAndTheRecipesArguments() {
        String base = "console=serial0,115200 console=tty1 root=PARTUUID=0A1B2C3D-02 rootfstype=ext4 fsck.repair=yes rootwait quiet\n";
        assertEquals("console=serial0,115200 console=tty1 root=PARTUUID=deadbeef-02 rootfstype=ext4 fsck.repair=yes rootwait quiet"
                + " cgroup_enable=memory\n", kept(Map.of(), List.of("quiet", "cgroup_enable=memory")).cmdlineTxt(base));
        assertEquals("root=PARTUUID=99999999-02\n", kept(Map.of(), List.of()).cmdlineTxt("root=PARTUUID=99999999-02"),
                "another disk's PARTUUID is none of ours");
    }

    @Test
    void theBootAndRootFilesAreEdited() throws Exception {
        Timestamp t = Timestamp.ofSeconds(1_750_000_000L);
        FileTree boot = FileTree.empty(t);
        boot.put("/cmdline.txt", text("root=PARTUUID=0a1b2c3d-02 rootwait\n"), Metadata.of(0755, t));
        FileTree root = FileTree.empty(t);
        root.put("/etc/fstab", text("PARTUUID=0a1b2c3d-01  /boot/firmware  vfat  defaults  0  2\nPARTUUID=0a1b2c3d-02  /  ext4  defaults  0  1\n"),
                Metadata.of(0755, t));
        kept(Map.of("gpu_mem", "16"), List.of("quiet")).applyTo(boot, root, t);
        assertEquals("root=PARTUUID=deadbeef-02 rootwait quiet\n", content(boot, "/cmdline.txt"));
        assertEquals("gpu_mem=16\n", content(boot, "/config.txt"), "made when the base has none");
        assertEquals("PARTUUID=deadbeef-01  /boot/firmware  vfat  defaults  0  2\nPARTUUID=deadbeef-02  /  ext4  defaults  0  1\n",
                content(root, "/etc/fstab"));

        FileTree noCmdline = FileTree.empty(t);
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> kept(Map.of(), List.of()).applyTo(noCmdline, root, t));
        assertTrue(e.getMessage().contains("no cmdline.txt"), e.getMessage());
    }

    @Test
    void settingsAreCheckedAsForAFreshBootPartition() {
        assertThrows(IllegalArgumentException.class, () -> kept(Map.of("bad key", "1"), List.of()));
        assertThrows(IllegalArgumentException.class, () -> kept(Map.of(), List.of("two words")));
    }

    private static RegularFile text(String s) {
        return new RegularFile(Metadata.of(0644, Timestamp.EPOCH), BytesContent.of(s));
    }

    private static String content(FileTree tree, String path) throws Exception {
        return new String(((RegularFile) tree.lookup(path)).content().readAll(), java.nio.charset.StandardCharsets.UTF_8);
    }
}
