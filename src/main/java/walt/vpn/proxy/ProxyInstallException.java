package walt.vpn.proxy;

/** {@code --install} could not log in to the proxy or run the script there. */
public final class ProxyInstallException extends Exception {

    public ProxyInstallException(String message) {
        super(message);
    }

    public ProxyInstallException(String message, Throwable cause) {
        super(message, cause);
    }
}
