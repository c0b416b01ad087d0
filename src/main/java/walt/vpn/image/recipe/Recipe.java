package walt.vpn.image.recipe;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What an image is made of, as read from a recipe file (image-recipes/*.yaml); see
 * {@link RecipeReader} for the format. Paths are absolute, resolved against the recipe's folder.
 *
 * @param name        output name (letters, digits, '.', '_', '-')
 * @param description free text for humans and the Imager entry
 * @param base        a Debian base built from packages
 * @param packages    packages to install on top of the base
 * @param overlays    folders copied over the root filesystem, in order
 * @param files       single files to add, after the overlays
 * @param boot        config.txt and cmdline.txt additions, initramfs modules
 * @param partitions  partition sizes (0 = automatic)
 * @param outputs     formats to write besides the raw image
 */
public record Recipe(Path source, String name, String description, DebianBase base, List<String> packages,
                     List<Path> overlays, List<FileSpec> files, Boot boot, Partitions partitions, Outputs outputs) {

    /**
     * A base made from a Debian repository.
     *
     * @param essential install the Essential/required set and configure packages at first boot
     *                  (false only for test images that run no dpkg)
     */
    public record DebianBase(URI mirror, String suite, String architecture, List<String> components, Path keyring,
                             boolean essential) {
    }

    /** A file to add, with its content given inline or read from a source file. */
    public record FileSpec(String path, int mode, int uid, int gid, byte[] content) {
    }

    public record Boot(Map<String, String> config, List<String> cmdline, List<String> modules) {
    }

    public record Partitions(long bootBytes, long rootBytes) {
    }

    public record Outputs(List<String> formats, boolean bmap) {
    }
}
