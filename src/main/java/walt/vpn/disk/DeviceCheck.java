package walt.vpn.disk;

import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The refusals before a card is overwritten, each one line naming its reason (an
 * IllegalArgumentException: the command line named the wrong disk): a disk that is mounted,
 * holds / or is used by device mapper or md, one that is not removable (unless forced: some
 * card readers report fixed disks), one smaller than the image.
 */
public final class DeviceCheck {

    static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");
    /** mountinfo's optional fields end at this one; the filesystem type and source follow. */
    private static final String SEPARATOR = "-";

    private DeviceCheck() {
    }

    /** Throws on the first reason not to write an image of {@code imageSize} bytes to {@code dev}. */
    public static void check(BlockDevice dev, long imageSize, boolean force) throws IOException {
        check(dev, imageSize, force, Files.readAllLines(MOUNTINFO, StandardCharsets.UTF_8));
    }

    static void check(BlockDevice dev, long imageSize, boolean force, List<String> mountinfo) {
        for (String line : mountinfo) {
            String[] f = line.split(" ");
            int sep = List.of(f).indexOf(SEPARATOR);
            String source = sep >= 0 && sep + 2 < f.length ? unescape(f[sep + 2]) : "";
            if (f.length > 4 && (dev.numbers().contains(f[2]) || dev.nodes().contains(source))) {
                String point = unescape(f[4]);
                throw new IllegalArgumentException(dev.path() + (point.equals("/") ? " holds / (the running system)"
                        : " is mounted at " + point + ": unmount it first"));
            }
        }
        if (!dev.holders().isEmpty()) {
            throw new IllegalArgumentException(dev.path() + " is in use by " + String.join(", ", dev.holders()));
        }
        if (!dev.removable() && !force) {
            throw new IllegalArgumentException(dev.path() + " (" + dev.model() + ", " + dev.sizeText()
                    + ") is not a removable disk: add --force if it is the card");
        }
        if (imageSize > dev.size()) {
            throw new IllegalArgumentException(dev.path() + " is too small: " + dev.size() + " bytes for an image of " + imageSize);
        }
    }

    /**
     * Asks on the terminal before {@code image} overwrites {@code dev}, unless {@code yes};
     * without a terminal to ask on, refuses: nothing is overwritten unasked.
     */
    public static void confirm(BlockDevice dev, Path image, boolean yes, Console console) {
        if (yes) {
            return;
        }
        String question = "write " + image.getFileName() + " to " + dev.path() + " (" + dev.model() + ", " + dev.sizeText() + ")? [y/N] ";
        if (console == null) {
            throw new IllegalArgumentException("no terminal to ask \"" + question.strip() + "\": add --yes to write to " + dev.path());
        }
        String answer = console.readLine("%s", question);
        if (answer == null || !List.of("y", "yes").contains(answer.strip().toLowerCase(java.util.Locale.ROOT))) {
            throw new IllegalArgumentException("not written: " + dev.path() + " was left as it was");
        }
    }

    /** mountinfo writes space, tab, newline and backslash as octal escapes. */
    private static String unescape(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\\' && i + 3 < s.length()) {
                out.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(s.charAt(i));
            }
        }
        return out.toString();
    }
}
