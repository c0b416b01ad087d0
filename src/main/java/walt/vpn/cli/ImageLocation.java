package walt.vpn.cli;

import java.nio.file.Path;

/**
 * {@code IMAGE[@N][:/path]} as the vpn-image commands take it: N is a partition number of an
 * MBR disk image; without it the image is a bare filesystem.
 */
record ImageLocation(Path image, Integer partition, String path) {

    static ImageLocation parse(String spec, boolean pathAllowed) {
        String imagePart = spec;
        String path = null;
        int colon = spec.indexOf(":/");
        if (colon >= 0) {
            if (!pathAllowed) {
                throw new IllegalArgumentException("no path expected in '" + spec + "'");
            }
            imagePart = spec.substring(0, colon);
            path = spec.substring(colon + 1);
        } else if (pathAllowed) {
            path = "/";
        }
        Integer partition = null;
        int at = imagePart.lastIndexOf('@');
        if (at > 0 && imagePart.substring(at + 1).matches("[0-9]+")) {
            partition = Integer.parseInt(imagePart.substring(at + 1));
            if (partition < 1 || partition > 4) {
                throw new IllegalArgumentException("partition number must be 1 to 4: " + spec);
            }
            imagePart = imagePart.substring(0, at);
        }
        if (imagePart.isEmpty()) {
            throw new IllegalArgumentException("no image file in '" + spec + "'");
        }
        return new ImageLocation(Path.of(imagePart), partition, path);
    }

    @Override
    public String toString() {
        return image + (partition == null ? "" : "@" + partition) + (path == null ? "" : ":" + path);
    }
}
