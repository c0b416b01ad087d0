package walt.vpn.image.output;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import walt.vpn.disk.AtomicOutput;
import walt.vpn.disk.ImageFile;
import walt.vpn.disk.MappedRange;

/**
 * A block map (bmaptool's format 2.0) of a raw image: which 4 KiB blocks hold data, with a
 * SHA256 per run of them, so that {@code bmaptool copy} writes only those and checks each.
 * Blocks of zeros count as unmapped: the card needs nothing written there for the image to
 * read back the same, once the card has been zeroed or the file is sparse. The file carries a
 * checksum of itself, computed with that field set to zeros.
 */
public final class BlockMapFile {

    public static final int BLOCK = 4096;
    private static final int CHUNK = 1 << 20;

    /** A run of mapped blocks, first and last inclusive, with the SHA256 of its bytes. */
    public record Range(long first, long last, String sha256) {
    }

    private BlockMapFile() {
    }

    /** The mapped ranges of {@code image}. */
    public static List<Range> ranges(Path image) throws IOException {
        List<Range> out = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(image)) {
            long size = ch.size();
            long blocks = (size + BLOCK - 1) / BLOCK;
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
            MessageDigest md = sha256();
            long runStart = -1;
            long pos = 0;
            while (pos < size) {
                buf.clear();
                int want = (int) Math.min(CHUNK, size - pos);
                buf.limit(want);
                while (buf.hasRemaining()) {
                    if (ch.read(buf, pos + buf.position()) < 0) {
                        throw new IOException(image + ": shorter than its size");
                    }
                }
                buf.flip();
                for (int off = 0; off < want; off += BLOCK) {
                    long block = (pos + off) / BLOCK;
                    ByteBuffer b = buf.duplicate();
                    b.position(off).limit(Math.min(off + BLOCK, want));
                    if (ImageFile.isZero(b)) {
                        if (runStart >= 0) {
                            out.add(new Range(runStart, block - 1, HexFormat.of().formatHex(md.digest())));
                            runStart = -1;
                        }
                    } else {
                        if (runStart < 0) {
                            runStart = block;
                        }
                        md.update(b);
                    }
                }
                pos += want;
            }
            if (runStart >= 0) {
                out.add(new Range(runStart, blocks - 1, HexFormat.of().formatHex(md.digest())));
            }
        }
        return out;
    }

    /** The mapped ranges of {@code image} in bytes, as a card writer takes them. */
    public static List<MappedRange> byteRanges(Path image) throws IOException {
        long size = Files.size(image);
        List<MappedRange> out = new ArrayList<>();
        for (Range r : ranges(image)) {
            long offset = r.first() * BLOCK;
            out.add(new MappedRange(offset, Math.min(size, (r.last() + 1) * BLOCK) - offset));
        }
        return out;
    }

    /** Writes {@code bmap} for {@code image}, atomically. */
    public static void write(Path image, Path bmap) throws IOException {
        long size = Files.size(image);
        List<Range> ranges = ranges(image);
        long blocks = (size + BLOCK - 1) / BLOCK;
        long mapped = 0;
        for (Range r : ranges) {
            mapped += r.last() - r.first() + 1;
        }
        String zeros = "0".repeat(64);
        StringBuilder x = new StringBuilder();
        x.append("<?xml version=\"1.0\" ?>\n");
        x.append("<!-- Block map of ").append(image.getFileName()).append(", made by walt vpn-image build.\n");
        x.append("     bmaptool copy writes only the mapped blocks and checks each range's SHA256. -->\n");
        x.append("<bmap version=\"2.0\">\n");
        x.append("    <ImageSize> ").append(size).append(" </ImageSize>\n");
        x.append("    <BlockSize> ").append(BLOCK).append(" </BlockSize>\n");
        x.append("    <BlocksCount> ").append(blocks).append(" </BlocksCount>\n");
        x.append("    <MappedBlocksCount> ").append(mapped).append(" </MappedBlocksCount>\n");
        x.append("    <ChecksumType> sha256 </ChecksumType>\n");
        x.append("    <BmapFileChecksum> ").append(zeros).append(" </BmapFileChecksum>\n");
        x.append("    <BlockMap>\n");
        for (Range r : ranges) {
            x.append("        <Range chksum=\"").append(r.sha256()).append("\"> ");
            x.append(r.first() == r.last() ? Long.toString(r.first()) : r.first() + "-" + r.last());
            x.append(" </Range>\n");
        }
        x.append("    </BlockMap>\n");
        x.append("</bmap>\n");
        String withZeros = x.toString();
        String self = HexFormat.of().formatHex(sha256().digest(withZeros.getBytes(StandardCharsets.UTF_8)));
        String text = withZeros.replace("<BmapFileChecksum> " + zeros, "<BmapFileChecksum> " + self);
        try (AtomicOutput out = new AtomicOutput(bmap)) {
            Files.writeString(out.tempPath(), text, StandardCharsets.UTF_8);
            out.commit();
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
