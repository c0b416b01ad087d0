package walt.vpn.image.output;

/**
 * The forms an image is written in: the raw image, and compressed copies beside it. Named as
 * users type them, in recipes ({@code outputs.formats}) and after {@code --format}.
 */
public enum ImageFormat {
    raw(null), zst(CompressedImage.Format.ZST), xz(CompressedImage.Format.XZ);

    private final CompressedImage.Format compression;

    ImageFormat(CompressedImage.Format compression) {
        this.compression = compression;
    }

    /** The compression of this form, or null for the raw image. */
    public CompressedImage.Format compression() {
        return compression;
    }

    /** The form of that name, or null. */
    public static ImageFormat named(String name) {
        for (ImageFormat f : values()) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        return null;
    }
}
