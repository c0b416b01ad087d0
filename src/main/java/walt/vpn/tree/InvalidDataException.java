package walt.vpn.tree;

import java.io.IOException;

/**
 * Input that is not what it claims to be, or asks for what cannot be: a corrupt image, a
 * malformed tar, a bad override line, a tree that does not fit the size asked for. The CLI
 * reports its message on one line and exits with status 2; a failure of the environment
 * (storage, network) stays a plain {@link IOException} and exits with 1.
 */
public class InvalidDataException extends IOException {

    public InvalidDataException(String message) {
        super(message);
    }

    public InvalidDataException(String message, Throwable cause) {
        super(message, cause);
    }
}
