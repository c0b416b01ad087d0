package walt.vpn.image.recipe;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import walt.vpn.image.output.ImageFormat;
import java.util.Map;
import walt.vpn.deb.AptSource;
import walt.vpn.deb.DebianSnapshot;

/**
 * What an image is made of, as read from a recipe file (image-recipes/*.yaml); see
 * {@link RecipeReader} for the format. Paths are absolute, resolved against the recipe's folder.
 *
 * @param name        output name (letters, digits, '.', '_', '-')
 * @param description free text for humans and the Imager entry
 * @param target      what the build makes: an SD card image, or only the root tree as a tar
 * @param base        what the image starts from: a Debian base built from packages, or an image file
 * @param packages    packages to install on top of the base
 * @param overlays    folders copied over the root filesystem, in order
 * @param files       single files to add, after the overlays
 * @param boot        config.txt and cmdline.txt additions, initramfs modules
 * @param partitions  partition sizes (0 = automatic)
 * @param outputs     formats to write besides the raw image (or the raw tar)
 */
public record Recipe(Path source, String name, String description, Target target, Base base, List<String> packages,
                     List<Path> overlays, List<FileSpec> files, Boot boot, Partitions partitions, Outputs outputs) {

    /** What a build makes, as the recipe's top-level {@code target} names it. */
    public enum Target {
        /** A bootable Raspberry Pi SD card image {@code NAME.img}: kernel, firmware, initramfs, boot partition. */
        SD_CARD("sd-card"),
        /**
         * Only the root tree, as a PAX tar {@code NAME.tar} (owners, modes, times, xattrs, hard
         * links, device nodes kept): for a chroot, a container or a network-booted root of the
         * build host's own architecture. No kernel, firmware or initramfs.
         */
        ROOTFS("rootfs");

        private final String key;

        Target(String key) {
            this.key = key;
        }

        /** As recipes write it. */
        public String key() {
            return key;
        }

        /** The target of that name, or null. */
        public static Target named(String key) {
            for (Target t : values()) {
                if (t.key.equals(key)) {
                    return t;
                }
            }
            return null;
        }

        /** The file name of the main output for a recipe named {@code name}. */
        public String fileName(String name) {
            return name + (this == ROOTFS ? ".tar" : ".img");
        }
    }

    /** What the image starts from. */
    public sealed interface Base permits DebianBase, ImageBase {
        /** Where packages come from, or null when an image base adds none. */
        Apt apt();
    }

    /**
     * A signed Debian repository.
     *
     * @param snapshot the moment of snapshot.debian.org the mirror is pinned to, or null
     */
    public record Apt(URI mirror, String suite, String architecture, List<String> components, Path keyring,
                      DebianSnapshot snapshot) {
        public AptSource source() {
            return new AptSource(mirror, suite, components, architecture, keyring);
        }
    }

    /**
     * A base made from a Debian repository.
     *
     * @param essential install the Essential/required set and configure packages at first boot
     *                  (false only for test images that run no dpkg)
     */
    public record DebianBase(Apt apt, boolean essential) implements Base {
    }

    /**
     * A base that is an SD card image already (Raspberry Pi OS, or one of ours): its root and
     * boot partitions are kept and the recipe's packages, overlays and files added.
     *
     * @param file   the image file ({@code .img}, {@code .img.xz}, {@code .img.zst}), or null
     *               when it is downloaded
     * @param url    where to download it from (into the build cache), or null for a local file
     * @param sha256 of the file as given (compressed), lower-case hex
     * @param apt    the repository of the added packages, or null when the recipe adds none
     */
    public record ImageBase(Path file, URI url, String sha256, Apt apt) implements Base {
    }

    /** A file to add, with its content given inline or read from a source file. */
    public record FileSpec(String path, int mode, int uid, int gid, byte[] content) {
    }

    public record Boot(Map<String, String> config, List<String> cmdline, List<String> modules) {
    }

    public record Partitions(long bootBytes, long rootBytes) {
    }

    public record Outputs(List<ImageFormat> formats, boolean bmap) {
    }
}
