package walt.vpn.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressTest {

    private final ByteArrayOutputStream sink = new ByteArrayOutputStream();
    private long now;
    private final Progress progress = new Progress(new PrintStream(sink, true, StandardCharsets.UTF_8), () -> now);

    private String out() {
        return sink.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aBarIsRedrawnInPlaceAtMostTenTimesASecond() {
        Progress.Bar bar = progress.bar("download", 4L << 20, Progress.Unit.BYTES);
        assertEquals("\rdownload  [                        ]   0% 0 KiB / 4.0 MiB", out());
        sink.reset();
        now += 50_000_000L;
        bar.advance(1L << 20);
        assertEquals("", out(), "50 ms after the last draw: not yet");
        now += 50_000_000L;
        bar.advance(1L << 20);
        assertEquals("\rdownload  [############            ]  50% 2.0 MiB / 4.0 MiB", out());
        sink.reset();
        bar.finish();
        assertEquals("\rdownload  [########################] 100% 4.0 MiB / 4.0 MiB\n", out(), "the stage's last state, then a new line");
        sink.reset();
        bar.close();
        bar.advance(5);
        assertEquals("", out(), "closed: nothing more");
    }

    @Test
    void countsAndUnknownTotals() {
        assertEquals("unpack    [#########               ]  40% 2/5 packages", Progress.render("unpack", 2, 5, Progress.Unit.PACKAGES));
        assertEquals("image     [########################] 100% 1.50 GiB / 1.50 GiB",
                Progress.render("image", 2L << 30, 3L << 29, Progress.Unit.BYTES), "more than announced is shown as all of it");
        assertEquals("base      3.0 MiB", Progress.render("base", 3L << 20, 0, Progress.Unit.BYTES));
        assertEquals("overlay   0 files", Progress.render("overlay", 0, 0, Progress.Unit.FILES));
    }

    @Test
    void aShorterLineCoversALongerOne() {
        Progress.Bar bar = progress.bar("base", 0, Progress.Unit.BYTES);
        now += Progress.REDRAW_NANOS;
        bar.advance(5L << 20);
        sink.reset();
        now += Progress.REDRAW_NANOS;
        bar.advance(-(5L << 20) + 1);
        assertEquals("\rbase      0 KiB  ", out(), "\"5.0 MiB\" was two characters longer");
    }

    @Test
    void aFailedStageEndsItsLineWhereItWas() {
        Progress.Bar bar = progress.bar("unpack", 10, Progress.Unit.PACKAGES);
        now += Progress.REDRAW_NANOS;
        bar.advance(3);
        bar.close();
        assertTrue(out().endsWith("\runpack    [#######                 ]  30% 3/10 packages\n"), out());
    }

    @Test
    void theSilentOneSaysNothing() {
        Progress.Bar bar = Progress.silent().bar("image", 10, Progress.Unit.BYTES);
        bar.advance(5);
        bar.finish();
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured));
        try {
            Progress.silent().bar("x", 1, Progress.Unit.STEPS).finish();
        } finally {
            System.setErr(err);
        }
        assertEquals(0, captured.size());
        assertEquals("", out());
    }
}
