package walt.vpn.image.boot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import walt.vpn.tree.BytesContent;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.InvalidDataException;
import walt.vpn.tree.Metadata;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.Timestamp;

/**
 * The boot partition of a base image, kept as its maker made it (firmware, kernel, initramfs,
 * overlays) with the recipe's settings added, and with the partitions renamed: the new image
 * has a new disk signature, so every {@code PARTUUID=} of the old disk, in cmdline.txt and in
 * the root's fstab, must name the new one or the board would not find its root.
 *
 * @param config       config.txt settings: each replaces the same key's unconditional line,
 *                     or is added under {@code [all]}
 * @param extraCmdline kernel arguments added to cmdline.txt unless already there
 * @param partUuids    the base's PARTUUIDs to the new image's ({@code 1234abcd-02} to ...)
 */
public record KeptBootPartition(Map<String, String> config, List<String> extraCmdline, Map<String, String> partUuids) {

    /** config.txt keys that may appear many times, each line adding something. */
    private static final Set<String> REPEATABLE = Set.of("dtoverlay", "dtparam", "include");
    /** Files of the root that name partitions. */
    private static final List<String> ROOT_FILES = List.of("/etc/fstab", "/etc/default/raspi-firmware");
    private static final Pattern SECTION = Pattern.compile("\\s*\\[([^\\]]*)\\]\\s*(#.*)?");
    private static final Pattern PARTUUID = Pattern.compile("(?i)(PARTUUID=)([0-9a-f]{8}-[0-9]{2})");

    public KeptBootPartition {
        config = Collections.unmodifiableMap(new LinkedHashMap<>(config));
        extraCmdline = List.copyOf(extraCmdline);
        partUuids = Map.copyOf(partUuids);
        BootPartition.checkSettings(config, extraCmdline);
    }

    /** Edits config.txt and cmdline.txt in {@code boot}, and the files of {@code root} that name partitions. */
    public void applyTo(FileTree boot, FileTree root, Timestamp time) throws IOException {
        if (!(boot.lookup("/cmdline.txt") instanceof RegularFile)) {
            throw new InvalidDataException("the base image's boot partition has no cmdline.txt: not a Raspberry Pi image");
        }
        edit(boot, "/cmdline.txt", this::cmdlineTxt, time);
        if (boot.lookup("/config.txt") == null) {
            boot.put("/config.txt", new RegularFile(Metadata.of(0644, time), BytesContent.of("")), Metadata.of(0755, time));
        }
        edit(boot, "/config.txt", this::configTxt, time);
        for (String path : ROOT_FILES) {
            if (root.lookup(path) instanceof RegularFile) {
                edit(root, path, this::renamePartitions, time);
            }
        }
    }

    private static void edit(FileTree tree, String path, UnaryOperator<String> change, Timestamp time) throws IOException {
        if (!(tree.lookup(path) instanceof RegularFile f)) {
            throw new InvalidDataException(path + " of the base image is not a regular file");
        }
        String old = new String(f.content().readAll(), StandardCharsets.UTF_8);
        String changed = change.apply(old);
        if (!changed.equals(old)) {
            tree.put(path, new RegularFile(f.metadata().withTimes(time, time, time), BytesContent.of(changed)),
                    Metadata.of(0755, time));
        }
    }

    /** The one line of cmdline.txt, partitions renamed, the recipe's arguments added. */
    String cmdlineTxt(String text) {
        List<String> args = new ArrayList<>(List.of(renamePartitions(text).strip().split("\\s+")));
        args.remove("");
        for (String a : extraCmdline) {
            if (!args.contains(a)) {
                args.add(a);
            }
        }
        return String.join(" ", args) + "\n";
    }

    String configTxt(String text) {
        List<String> lines = new ArrayList<>(text.lines().toList());
        Map<String, String> toAdd = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : config.entrySet()) {
            String line = e.getKey() + "=" + e.getValue();
            int at = REPEATABLE.contains(e.getKey()) ? (lines.contains(line) ? -2 : -1) : lastUnconditional(lines, e.getKey());
            if (at >= 0) {
                lines.set(at, line);
            } else if (at == -1) {
                toAdd.put(e.getKey(), line);
            }
        }
        if (!toAdd.isEmpty()) {
            if (!unconditionalAtEnd(lines)) {
                lines.add("[all]");
            }
            lines.addAll(toAdd.values());
        }
        return lines.isEmpty() ? "" : String.join("\n", lines) + "\n";
    }

    /** The last line setting {@code key} for every board ({@code [all]} or before any section), or -1. */
    private static int lastUnconditional(List<String> lines, String key) {
        Pattern setting = Pattern.compile("\\s*" + Pattern.quote(key) + "\\s*=.*");
        boolean unconditional = true;
        int found = -1;
        for (int i = 0; i < lines.size(); i++) {
            Matcher s = SECTION.matcher(lines.get(i));
            if (s.matches()) {
                unconditional = s.group(1).strip().equals("all");
            } else if (unconditional && setting.matcher(lines.get(i)).matches()) {
                found = i;
            }
        }
        return found;
    }

    private static boolean unconditionalAtEnd(List<String> lines) {
        boolean unconditional = true;
        for (String l : lines) {
            Matcher s = SECTION.matcher(l);
            if (s.matches()) {
                unconditional = s.group(1).strip().equals("all");
            }
        }
        return unconditional;
    }

    /** {@code text} with every PARTUUID of the base's disk replaced by the new image's. */
    String renamePartitions(String text) {
        Matcher m = PARTUUID.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String now = partUuids.get(m.group(2).toLowerCase(Locale.ROOT));
            m.appendReplacement(out, Matcher.quoteReplacement(now == null ? m.group() : m.group(1) + now));
        }
        m.appendTail(out);
        return out.toString();
    }
}
