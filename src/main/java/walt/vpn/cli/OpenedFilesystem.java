package walt.vpn.cli;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import walt.vpn.disk.ImageFile;
import walt.vpn.disk.MbrPartitionTable;
import walt.vpn.disk.Storage;
import walt.vpn.ext4.Ext4Volume;
import walt.vpn.fat.FatVolume;
import walt.vpn.tree.InvalidDataException;
import walt.vpn.tree.ReadableFilesystem;

/** The filesystem named by an {@link ImageLocation}, opened read-only. */
final class OpenedFilesystem implements Closeable {

    private final ImageFile image;
    private final ReadableFilesystem fs;

    private OpenedFilesystem(ImageFile image, ReadableFilesystem fs) {
        this.image = image;
        this.fs = fs;
    }

    static OpenedFilesystem open(ImageLocation loc) throws IOException {
        ImageFile image = ImageFile.openReadOnly(loc.image());
        try {
            Storage volume = image;
            if (loc.partition() != null) {
                if (!MbrPartitionTable.looksLikeMbr(image)) {
                    throw new InvalidDataException(loc.image() + " has no MBR partition table: drop @" + loc.partition() + " for a bare filesystem");
                }
                volume = MbrPartitionTable.read(image).partitionStorage(image, loc.partition());
            } else if (MbrPartitionTable.looksLikeMbr(image)) {
                throw new InvalidDataException(loc.image() + " is a partitioned disk image: name a partition, e.g. " + loc.image() + "@2");
            }
            return new OpenedFilesystem(image, detect(volume, loc));
        } catch (IOException | RuntimeException e) {
            image.close();
            throw e;
        }
    }

    /** Opens whichever filesystem the storage holds, by its magic numbers. */
    static ReadableFilesystem detect(Storage s, Object name) throws IOException {
        if (s.size() >= 2048) {
            ByteBuffer sb = ByteBuffer.wrap(s.readBytes(1024, 1024)).order(ByteOrder.LITTLE_ENDIAN);
            if ((sb.getShort(0x38) & 0xFFFF) == 0xEF53) {
                return Ext4Volume.open(s);
            }
        }
        if (s.size() >= 512) {
            byte[] boot = s.readBytes(0, 512);
            if ((boot[510] & 0xFF) == 0x55 && (boot[511] & 0xFF) == 0xAA) {
                return FatVolume.open(s);
            }
        }
        throw new InvalidDataException(name + ": no ext2/3/4 or FAT filesystem found");
    }

    ReadableFilesystem filesystem() {
        return fs;
    }

    @Override
    public void close() throws IOException {
        if (fs instanceof Closeable c) {
            c.close();
        }
        image.close();
    }
}
