package walt.vpn.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/** The switch CI runs with: a skip stays a skip for a person, and fails, with its reason, in CI. */
class StrictSkipsTest {

    /** Run only from here, through the test kit (surefire leaves nested classes alone). */
    static class SkipsInATest {
        @Test
        void needsATool() {
            assumeTrue(false, "frobnicate is not installed");
        }
    }

    static class SkipsBeforeAll {
        @BeforeAll
        static void needsRoot() {
            assumeTrue(false, "needs root");
        }

        @Test
        void t() {
        }
    }

    @AfterEach
    void clear() {
        System.clearProperty(StrictSkips.PROPERTY);
    }

    private static Events run(Class<?> c, boolean strict) {
        System.setProperty(StrictSkips.PROPERTY, String.valueOf(strict));
        return EngineTestKit.engine("junit-jupiter").configurationParameter("junit.jupiter.extensions.autodetection.enabled", "true")
                .selectors(selectClass(c)).execute().allEvents();
    }

    @Test
    void withoutTheSwitchASkipStaysASkip() {
        run(SkipsInATest.class, false).assertStatistics(s -> s.aborted(1).failed(0));
        run(SkipsBeforeAll.class, false).assertStatistics(s -> s.aborted(1).failed(0));
    }

    @Test
    void withTheSwitchASkipFailsAndSaysWhy() {
        Events inATest = run(SkipsInATest.class, true);
        inATest.assertStatistics(s -> s.aborted(0).failed(1));
        assertTrue(inATest.failed().stream().anyMatch(e -> e.getPayload(org.junit.platform.engine.TestExecutionResult.class)
                .flatMap(org.junit.platform.engine.TestExecutionResult::getThrowable)
                .map(t -> t.getMessage().contains("frobnicate is not installed") && t.getMessage().contains("WALT_STRICT_TESTS=1"))
                .orElse(false)));
        run(SkipsBeforeAll.class, true).assertStatistics(s -> s.aborted(0).failed(1));
    }
}
