package walt.vpn.cli;

import walt.vpn.tree.Node;

/** The ten-character mode column of ls -l ({@code drwxr-xr-x}, {@code -rwsr-xr-x}, ...). */
final class ModeString {

    private ModeString() {
    }

    static String of(Node n) {
        char type = switch (n.type()) {
            case DIRECTORY -> 'd';
            case SYMLINK -> 'l';
            case CHAR_DEVICE -> 'c';
            case BLOCK_DEVICE -> 'b';
            case FIFO -> 'p';
            case SOCKET -> 's';
            case REGULAR -> '-';
        };
        int p = n.metadata().permissions();
        StringBuilder sb = new StringBuilder().append(type);
        sb.append(bit(p, 0400, 'r')).append(bit(p, 0200, 'w')).append(exec(p, 0100, 04000, 's'));
        sb.append(bit(p, 040, 'r')).append(bit(p, 020, 'w')).append(exec(p, 010, 02000, 's'));
        sb.append(bit(p, 04, 'r')).append(bit(p, 02, 'w')).append(exec(p, 01, 01000, 't'));
        return sb.toString();
    }

    private static char bit(int p, int mask, char c) {
        return (p & mask) != 0 ? c : '-';
    }

    private static char exec(int p, int x, int special, char c) {
        boolean hasX = (p & x) != 0;
        if ((p & special) != 0) {
            return hasX ? c : Character.toUpperCase(c);
        }
        return hasX ? 'x' : '-';
    }
}
