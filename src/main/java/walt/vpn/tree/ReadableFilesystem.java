package walt.vpn.tree;

import java.io.IOException;

/** A filesystem opened from storage by its reader (ext4, FAT). */
public interface ReadableFilesystem {

    FilesystemSummary summary() throws IOException;

    /**
     * The whole tree. Metadata is read now; file content is read lazily from the storage,
     * which must stay open while the tree's content is used.
     */
    FileTree readTree() throws IOException;
}
