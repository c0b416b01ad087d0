package walt.vpn.cli;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import walt.vpn.disk.BlockDevice;
import walt.vpn.disk.BlockDeviceWriter;
import walt.vpn.disk.DeviceCheck;
import walt.vpn.disk.MappedRange;
import walt.vpn.image.Progress;
import walt.vpn.image.SiteImage;

/**
 * {@code setup-node --device}: the card written while the image is made. Outside the boot
 * partition the image is the base's bytes, so those blocks go to the card from the base, on a
 * thread of their own, while the base is copied and the site written; the boot partition, the
 * only part a site changes, follows from the finished image. Each part is read back after it
 * is written (and flushed) and compared with its source: the base's part against the base, on
 * the same thread, while the image is still being made; the boot partition against the image.
 * Without the base's block runs, all is written from the finished image, then read back. It
 * starts only once the site is known to be good: bad input leaves the card as it was.
 */
final class CardWrite implements AutoCloseable {

    private final BlockDevice card;
    private final Progress progress;
    private final MappedRange boot;
    private final Thread early;
    private final CompletableFuture<List<MappedRange>> earlyRanges = new CompletableFuture<>();
    private Progress.Bar bar;
    private volatile boolean finished;
    /** Ctrl-C ends the JVM without close(): this says what the card holds then. */
    private final Thread warnOnExit;

    private CardWrite(BlockDevice card, Progress progress, MappedRange boot, List<MappedRange> outside, Path base) {
        this.card = card;
        this.progress = progress;
        this.boot = boot;
        this.warnOnExit = new Thread(this::warnIfUnfinished, "warn " + card.path());
        Runtime.getRuntime().addShutdownHook(warnOnExit);
        if (outside == null) {
            this.early = null;
            return;
        }
        // Read and written, then read back: each byte counts twice, at most.
        long total = 2 * (MappedRange.totalLength(outside) + boot.length());
        this.bar = progress.bar("writing and verifying " + card.path(), total, Progress.Unit.BYTES);
        this.early = new Thread(() -> {
            try {
                // Outside the boot partition the image is the base's bytes: these are checked
                // against the base, on this thread too, while the image is still being made.
                List<MappedRange> written = BlockDeviceWriter.write(base, outside, card.path(), bar::advance);
                BlockDeviceWriter.verify(base, written, card.path(), bar::advance);
                earlyRanges.complete(written);
            } catch (Throwable e) {
                earlyRanges.completeExceptionally(e);
            }
        }, "write " + card.path());
        early.setDaemon(true);
        early.start();
    }

    /** Starts writing the base's blocks outside the boot partition, where they are known. */
    static CardWrite start(BlockDevice card, SiteImage image, boolean force, Progress progress) throws IOException {
        DeviceCheck.check(card, Files.size(image.base()), force);
        MappedRange boot = image.bootPartition();
        List<MappedRange> base = image.baseRanges();
        return new CardWrite(card, progress, boot, base == null ? null : MappedRange.without(base, boot), image.base());
    }

    /**
     * Writes the rest from the finished {@code image} (its boot partition, or all of
     * {@code dataRanges} when nothing was written early), then reads every mapped block back.
     * Returns the line that says so.
     */
    String finish(Path image, List<MappedRange> dataRanges) throws IOException {
        List<MappedRange> ranges;
        if (early != null) {
            List<MappedRange> written = new ArrayList<>(awaitEarly());
            List<MappedRange> bootRanges = BlockDeviceWriter.write(image, List.of(boot), card.path(), bar::advance);
            BlockDeviceWriter.verify(image, bootRanges, card.path(), bar::advance);
            bar.close();
            written.addAll(bootRanges);
            ranges = MappedRange.union(written);
        } else {
            bar = progress.bar("writing " + card.path(), MappedRange.totalLength(dataRanges), Progress.Unit.BYTES);
            ranges = BlockDeviceWriter.write(image, dataRanges, card.path(), bar::advance);
            bar.close();
            try (Progress.Bar verifying = progress.bar("verifying " + card.path(), MappedRange.totalLength(ranges), Progress.Unit.BYTES)) {
                BlockDeviceWriter.verify(image, ranges, card.path(), verifying::advance);
            }
        }
        long mapped = MappedRange.totalLength(ranges);
        finished = true;
        return "wrote " + image.getFileName() + " to " + card.path() + " (" + card.model() + ", " + card.sizeText() + "): "
                + mapped + " bytes in " + ranges.size() + " ranges, read back and verified";
    }

    private List<MappedRange> awaitEarly() throws IOException {
        try {
            return earlyRanges.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing " + card.path());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof UncheckedIOException u) {
                throw u.getCause();
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw (RuntimeException) e.getCause();
        }
    }

    /** A write that did not finish or verify is stopped (its channel closes on interrupt), and the card said not to hold the image. */
    @Override
    public void close() {
        if (early != null) {
            early.interrupt();
            try {
                early.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (bar != null) {
            bar.close();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(warnOnExit);
        } catch (IllegalStateException shuttingDown) {
            return; // the hook says it
        }
        warnIfUnfinished();
    }

    private void warnIfUnfinished() {
        if (!finished && (early != null || bar != null)) {
            System.err.println(CommandTree.rootName() + ": " + card.path() + " does not hold the whole image: write it again");
        }
    }
}
