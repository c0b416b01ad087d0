package walt.vpn.deb;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import walt.vpn.tree.Directory;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.Node;
import walt.vpn.tree.Symlink;

/**
 * A path looked up in the target tree the way the kernel would inside a chroot of it: symlinks
 * in directory components are followed (absolute targets from the tree's root, {@code ..}
 * stopping at the root), which is what makes dpkg put {@code ./bin/sh} at {@code /usr/bin/sh}
 * when {@code /bin} is a symlink to {@code usr/bin}.
 *
 * @param node      what the path names, or null when it does not exist
 * @param parent    the directory that holds (or would hold) the last component, or null when
 *                  some earlier component is missing or not a directory
 * @param physical  the path with every followed symlink resolved, for messages
 * @param blockedBy when lookup stopped early: the path of the non-directory (or symlink loop)
 *                  in the way, else null
 */
record TargetPath(Node node, Directory parent, String name, String physical, String blockedBy) {

    private static final int MAX_SYMLINKS = 40;

    /**
     * Resolves {@code path}; the last component is followed too when it is a symlink and
     * {@code followLast} is set.
     */
    static TargetPath resolve(FileTree tree, String path, boolean followLast) {
        Deque<String> todo = new ArrayDeque<>(List.of(FileTree.split(path)));
        List<Directory> dirs = new ArrayList<>();
        List<String> names = new ArrayList<>();
        dirs.add(tree.root());
        int links = 0;
        if (todo.isEmpty()) {
            return new TargetPath(tree.root(), null, "", "/", null);
        }
        while (true) {
            String comp = todo.pollFirst();
            if (comp.equals(".")) {
                if (todo.isEmpty()) {
                    return new TargetPath(dirs.get(dirs.size() - 1), parentOf(dirs), last(names), join(names), null);
                }
                continue;
            }
            if (comp.equals("..")) {
                if (dirs.size() > 1) {
                    dirs.remove(dirs.size() - 1);
                    names.remove(names.size() - 1);
                }
                if (todo.isEmpty()) {
                    return new TargetPath(dirs.get(dirs.size() - 1), parentOf(dirs), last(names), join(names), null);
                }
                continue;
            }
            Directory here = dirs.get(dirs.size() - 1);
            Node child = here.child(comp);
            String childPath = join(names) .equals("/") ? "/" + comp : join(names) + "/" + comp;
            if (todo.isEmpty() && (!followLast || !(child instanceof Symlink))) {
                return new TargetPath(child, here, comp, childPath, null);
            }
            if (child == null) {
                return new TargetPath(null, null, comp, childPath, null);
            }
            if (child instanceof Symlink s) {
                if (++links > MAX_SYMLINKS) {
                    return new TargetPath(null, null, comp, childPath, childPath + " (too many levels of symlinks)");
                }
                String[] target = s.target().split("/");
                List<String> parts = new ArrayList<>();
                for (String t : target) {
                    if (!t.isEmpty()) {
                        parts.add(t);
                    }
                }
                for (int i = parts.size() - 1; i >= 0; i--) {
                    todo.addFirst(parts.get(i));
                }
                if (s.target().startsWith("/")) {
                    Directory root = dirs.get(0);
                    dirs.clear();
                    names.clear();
                    dirs.add(root);
                }
                if (todo.isEmpty()) {
                    // A link to "/" (or to "." at the root).
                    return new TargetPath(dirs.get(dirs.size() - 1), parentOf(dirs), last(names), join(names), null);
                }
                continue;
            }
            if (child instanceof Directory d) {
                dirs.add(d);
                names.add(comp);
                continue;
            }
            return new TargetPath(null, null, comp, childPath, childPath);
        }
    }

    private static Directory parentOf(List<Directory> dirs) {
        return dirs.size() > 1 ? dirs.get(dirs.size() - 2) : null;
    }

    private static String last(List<String> names) {
        return names.isEmpty() ? "" : names.get(names.size() - 1);
    }

    private static String join(List<String> names) {
        return names.isEmpty() ? "/" : "/" + String.join("/", names);
    }
}
