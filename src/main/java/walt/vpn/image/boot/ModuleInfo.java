package walt.vpn.image.boot;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.tukaani.xz.XZInputStream;
import walt.vpn.tree.InvalidDataException;

/**
 * What a kernel module says about itself in its ELF {@code .modinfo} section: the modules it
 * needs ({@code depends=}) and those to load around it ({@code softdep=pre: ... post: ...}).
 * This is what depmod reads to make {@code modules.dep}, which Debian's kernel packages do not
 * ship.
 *
 * @param name    the module's name, with '-' as '_' like the kernel's
 * @param depends modules that must be loaded first
 * @param softPre modules to load first when they exist
 * @param softPost modules to load after it when they exist
 * @param aliases  other names it answers to ({@code crypto-crc32c}, {@code fs-ext4})
 */
public record ModuleInfo(String name, List<String> depends, List<String> softPre, List<String> softPost, List<String> aliases) {

    private static final int MAX_MODULE = 64 << 20;

    /** Reads the {@code .modinfo} of a module file's bytes, xz-compressed ({@code .ko.xz}) or not. */
    public static ModuleInfo parse(String fileName, byte[] bytes) throws InvalidDataException {
        byte[] elf = fileName.endsWith(".xz") ? unxz(fileName, bytes) : bytes;
        String base = fileName.substring(fileName.lastIndexOf('/') + 1);
        String name = canonical(base.substring(0, base.indexOf(".ko")));
        List<String> depends = new ArrayList<>();
        List<String> pre = new ArrayList<>();
        List<String> post = new ArrayList<>();
        List<String> aliases = new ArrayList<>();
        for (String field : modinfoStrings(fileName, elf)) {
            if (field.startsWith("depends=")) {
                for (String d : field.substring(8).split(",")) {
                    if (!d.isBlank()) {
                        depends.add(canonical(d.trim()));
                    }
                }
            } else if (field.startsWith("alias=")) {
                aliases.add(canonical(field.substring(6)));
            } else if (field.startsWith("softdep=")) {
                List<String> into = null;
                for (String word : field.substring(8).trim().split("\\s+")) {
                    if (word.equals("pre:")) {
                        into = pre;
                    } else if (word.equals("post:")) {
                        into = post;
                    } else if (into != null && !word.isEmpty()) {
                        into.add(canonical(word));
                    }
                }
            }
        }
        return new ModuleInfo(name, List.copyOf(depends), List.copyOf(pre), List.copyOf(post), List.copyOf(aliases));
    }

    /** The kernel treats '-' and '_' in module names alike. */
    public static String canonical(String moduleName) {
        return moduleName.replace('-', '_');
    }

    private static byte[] unxz(String fileName, byte[] bytes) throws InvalidDataException {
        try (InputStream in = new XZInputStream(new ByteArrayInputStream(bytes))) {
            byte[] out = in.readNBytes(MAX_MODULE + 1);
            if (out.length > MAX_MODULE) {
                throw new InvalidDataException(fileName + ": decompresses to more than " + (MAX_MODULE >> 20) + " MiB");
            }
            return out;
        } catch (InvalidDataException e) {
            throw e;
        } catch (IOException e) {
            throw new InvalidDataException(fileName + ": not a valid .xz module: " + e.getMessage(), e);
        }
    }

    /** The NUL-separated strings of the ELF64 little-endian section named {@code .modinfo}. */
    private static List<String> modinfoStrings(String fileName, byte[] elf) throws InvalidDataException {
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        if (elf.length < 64 || b.getInt(0) != 0x464C457F || elf[4] != 2 || elf[5] != 1) {
            throw new InvalidDataException(fileName + ": not a 64-bit little-endian ELF file");
        }
        try {
            long shoff = b.getLong(0x28);
            int shentsize = Short.toUnsignedInt(b.getShort(0x3A));
            int shnum = Short.toUnsignedInt(b.getShort(0x3C));
            int shstrndx = Short.toUnsignedInt(b.getShort(0x3E));
            if (shentsize < 64 || shstrndx >= shnum || shoff < 0 || shoff + (long) shnum * shentsize > elf.length) {
                throw new InvalidDataException(fileName + ": section headers outside the file");
            }
            int names = (int) shoff + shstrndx * shentsize;
            long namesAt = b.getLong(names + 0x18);
            for (int i = 0; i < shnum; i++) {
                int sh = (int) shoff + i * shentsize;
                long nameAt = namesAt + Integer.toUnsignedLong(b.getInt(sh));
                if (sectionName(elf, nameAt).equals(".modinfo")) {
                    long off = b.getLong(sh + 0x18);
                    long size = b.getLong(sh + 0x20);
                    if (off < 0 || size < 0 || off + size > elf.length) {
                        throw new InvalidDataException(fileName + ": .modinfo outside the file");
                    }
                    List<String> out = new ArrayList<>();
                    for (String s : new String(elf, (int) off, (int) size, StandardCharsets.UTF_8).split("\0")) {
                        if (!s.isEmpty()) {
                            out.add(s);
                        }
                    }
                    return out;
                }
            }
        } catch (IndexOutOfBoundsException e) {
            throw new InvalidDataException(fileName + ": truncated ELF file", e);
        }
        throw new InvalidDataException(fileName + ": no .modinfo section, not a kernel module");
    }

    private static String sectionName(byte[] elf, long at) throws InvalidDataException {
        if (at < 0 || at >= elf.length) {
            throw new InvalidDataException("section name outside the file");
        }
        int end = (int) at;
        while (end < elf.length && elf[end] != 0) {
            end++;
        }
        return new String(elf, (int) at, end - (int) at, StandardCharsets.UTF_8);
    }
}
