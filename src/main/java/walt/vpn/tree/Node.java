package walt.vpn.tree;

/**
 * One inode of a file tree. The same node object placed in several directories is a hard
 * link: identity, not equality, is what makes two paths one file.
 */
public sealed interface Node permits RegularFile, Directory, Symlink, DeviceNode, SpecialFile {

    FileType type();

    Metadata metadata();

    /** A node like this one with other metadata (a new identity: callers re-link it). */
    Node withMetadata(Metadata metadata);
}
