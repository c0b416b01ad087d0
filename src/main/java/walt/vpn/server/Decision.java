package walt.vpn.server;

/** The answer to an enrolment request. */
public record Decision(boolean accepted, String reason) {

    public static Decision accept(String by) {
        return new Decision(true, by);
    }

    public static Decision deny(String reason) {
        return new Decision(false, reason);
    }
}
