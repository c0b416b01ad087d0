package walt.vpn.tree;

import java.io.IOException;

/**
 * Input that is not what it claims to be: a corrupt image, a malformed tar, a bad override
 * line. The CLI reports its message on one line and exits with status 2.
 */
public class InvalidDataException extends IOException {

    public InvalidDataException(String message) {
        super(message);
    }

    public InvalidDataException(String message, Throwable cause) {
        super(message, cause);
    }
}
