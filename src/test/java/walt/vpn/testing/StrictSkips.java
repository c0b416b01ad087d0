package walt.vpn.testing;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/**
 * Where every tool and privilege the suite needs is provided (CI, as root, after run-tests has
 * installed its packages), a test that skips hides a test that never ran: with
 * {@code WALT_STRICT_TESTS=1} (or the system property {@code walt.strictTests=true}) a skip is
 * a failure that gives the skip's reason. Without it, a person's run still skips with the
 * reason where a tool or root is missing. Registered for every test class through
 * {@code META-INF/services} and {@code junit-platform.properties}.
 */
public final class StrictSkips implements TestExecutionExceptionHandler, LifecycleMethodExecutionExceptionHandler {

    public static final String VARIABLE = "WALT_STRICT_TESTS";
    public static final String PROPERTY = "walt.strictTests";

    /** The property, where set, decides (a test of this switch sets it); else the variable. */
    static boolean enabled() {
        String p = System.getProperty(PROPERTY);
        return p != null ? p.equals("true") : "1".equals(System.getenv(VARIABLE));
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable t) throws Throwable {
        throw strict(t);
    }

    @Override
    public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable t) throws Throwable {
        throw strict(t);
    }

    @Override
    public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable t) throws Throwable {
        throw strict(t);
    }

    private static Throwable strict(Throwable t) {
        if (t instanceof TestAbortedException && enabled()) {
            return new AssertionFailedError("skipped, and " + VARIABLE + "=1 makes a skip a failure: " + t.getMessage(), t);
        }
        return t;
    }
}
