package io.optoutgw.suppression.journal;

import static io.optoutgw.suppression.journal.JournalFormat.SEGMENT_HEADER_SIZE;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Validates every segment when the journal opens and truncates a torn tail of the last one, so that new
 * appends follow the last good record and a crash mid-write never blocks start-up (docs/reliability.md
 * scenarios 3 and 18); damage anywhere else fails the open.
 */
final class JournalRecovery {

    private static final Logger log = LoggerFactory.getLogger(JournalRecovery.class);

    /** The recovered journal: its segments (the last is active), where the active one ends, the last sequence. */
    record Recovered(List<SegmentSet.Segment> segments, long activeEnd, long lastSeq, int skipped) {}

    private JournalRecovery() {}

    static Recovered recover(Path dir, OptOutJournal.Options options) throws IOException {
        List<SegmentSet.Segment> files = listSegments(dir);
        List<SegmentSet.Segment> good = new ArrayList<>();
        long nextSeq = 1;
        long activeEnd = SEGMENT_HEADER_SIZE;
        int skipped = 0;
        SegmentSet.Segment snapshot = recoverSnapshot(dir, files, options);
        if (snapshot != null) {
            good.add(snapshot);
            nextSeq = JournalFormat.parseSnapshotName(snapshot.path()).getAsLong() + 1;
        }
        for (int i = 0; i < files.size(); i++) {
            SegmentSet.Segment seg = files.get(i);
            boolean last = i == files.size() - 1;
            // a segment followed by one opened after a failed write may end with that batch's torn tail
            boolean endsEarly =
                    !last && SegmentScanner.flags(files.get(i + 1).path()) == JournalFormat.FLAG_AFTER_FAILED_WRITE;
            if (good.isEmpty()) {
                nextSeq = seg.firstSeq();
            }
            try (FileChannel ch = last || endsEarly
                    ? FileChannel.open(seg.path(), StandardOpenOption.READ, StandardOpenOption.WRITE)
                    : FileChannel.open(seg.path(), StandardOpenOption.READ)) {
                if (last && SegmentScanner.headerIsTorn(ch)) {
                    log.warn(
                            "journal: {} has a torn header ({} bytes, created just before a crash); removing it",
                            seg.path().getFileName(),
                            ch.size());
                    ch.close();
                    Files.delete(seg.path());
                    JournalWriter.syncDirectory(dir);
                    break;
                }
                long firstSeq = SegmentScanner.readHeader(seg.path(), ch, seg.firstSeq());
                boolean afterFailedWrite = SegmentScanner.readFlags(ch) == JournalFormat.FLAG_AFTER_FAILED_WRITE;
                if (!good.isEmpty() && firstSeq != nextSeq && !(afterFailedWrite && firstSeq > nextSeq)) {
                    String detail = "first sequence " + firstSeq + " does not follow sequence " + (nextSeq - 1)
                            + " of the previous segment";
                    if (!options.skipCorruptRecords() || firstSeq < nextSeq) {
                        throw new JournalCorruptException(seg.path(), 0, detail);
                    }
                    log.error(
                            "journal corrupt: {}: {}; skipping the gap",
                            seg.path().getFileName(),
                            detail);
                    skipped++;
                }
                SegmentScanner.Result r = SegmentScanner.scan(
                        seg.path(),
                        ch,
                        firstSeq,
                        ch.size(),
                        new SegmentScanner.Mode(last || endsEarly, options.skipCorruptRecords(), Long.MAX_VALUE, null));
                if (r.tornAt() >= 0) {
                    log.warn(
                            "journal: torn tail in {} at offset {}: {}; truncating {} bytes after sequence {}",
                            seg.path().getFileName(),
                            r.tornAt(),
                            r.tornReason(),
                            ch.size() - r.tornAt(),
                            r.lastSeq());
                    ch.truncate(r.tornAt());
                    ch.force(true);
                }
                skipped += r.skipped();
                good.add(new SegmentSet.Segment(seg.firstSeq(), seg.path(), afterFailedWrite));
                nextSeq = r.lastSeq() + 1;
                activeEnd = r.validEnd();
            }
        }
        if (good.isEmpty()
                || good.get(good.size() - 1).snapshot()
                || good.size() - (snapshot == null ? 0 : 1) < files.size()) {
            // empty directory, or a torn-header segment was removed: start a fresh one after the last good record
            JournalWriter.createSegment(dir, nextSeq).close();
            good.add(new SegmentSet.Segment(nextSeq, dir.resolve(JournalFormat.segmentName(nextSeq))));
            activeEnd = SEGMENT_HEADER_SIZE;
        }
        log.info("journal: opened {} with {} segment(s), last sequence {}", dir, good.size(), nextSeq - 1);
        return new Recovered(good, activeEnd, nextSeq - 1, skipped);
    }

    /**
     * Picks the newest compaction snapshot, removes older ones, unfinished ones ({@code .tmp}) and the segments
     * it replaced (left when a crash interrupted compaction after the snapshot was in place), and validates it.
     * The snapshot was forced before it got its name, so any damage in it is corruption.
     */
    private static SegmentSet.Segment recoverSnapshot(
            Path dir, List<SegmentSet.Segment> files, OptOutJournal.Options options) throws IOException {
        Path newest = null;
        long through = -1;
        List<Path> stale = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String name = p.getFileName().toString();
                if ((name.startsWith("snapshot-") || name.startsWith("erase-")) && name.endsWith(".tmp")) {
                    stale.add(p);
                    continue;
                }
                OptionalLong seq = JournalFormat.parseSnapshotName(p);
                if (seq.isEmpty()) {
                    continue;
                }
                if (seq.getAsLong() > through) {
                    if (newest != null) {
                        stale.add(newest);
                    }
                    newest = p;
                    through = seq.getAsLong();
                } else {
                    stale.add(p);
                }
            }
        }
        for (Path p : stale) {
            log.info("journal: removing {} (superseded or unfinished snapshot)", p.getFileName());
            Files.deleteIfExists(p);
        }
        if (newest == null) {
            return null;
        }
        for (SegmentSet.Segment seg : new ArrayList<>(files)) {
            if (seg.firstSeq() <= through) {
                log.info(
                        "journal: removing {} (its records are in {})",
                        seg.path().getFileName(),
                        newest.getFileName());
                Files.deleteIfExists(seg.path());
                files.remove(seg);
            }
        }
        if (!stale.isEmpty() || files.isEmpty() || files.get(0).firstSeq() <= through) {
            JournalWriter.syncDirectory(dir);
        }
        try (FileChannel ch = FileChannel.open(newest, StandardOpenOption.READ)) {
            if (ch.size() < SEGMENT_HEADER_SIZE) {
                throw new JournalCorruptException(newest, 0, "snapshot header truncated (" + ch.size() + " bytes)");
            }
            long firstSeq = SegmentScanner.readAt(ch, 0, SEGMENT_HEADER_SIZE).getLong(8);
            SegmentScanner.readHeader(newest, ch, firstSeq);
            SegmentScanner.Result r = SegmentScanner.scan(
                    newest,
                    ch,
                    firstSeq,
                    ch.size(),
                    new SegmentScanner.Mode(false, options.skipCorruptRecords(), Long.MAX_VALUE, null));
            if (r.lastSeq() != through) {
                throw new JournalCorruptException(
                        newest,
                        r.validEnd(),
                        "snapshot ends at sequence " + r.lastSeq() + ", its name says " + through);
            }
            return new SegmentSet.Segment(firstSeq, newest, false, true);
        }
    }

    private static List<SegmentSet.Segment> listSegments(Path dir) throws IOException {
        List<SegmentSet.Segment> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                OptionalLong seq = JournalFormat.parseSegmentName(p);
                if (seq.isPresent() && Files.isRegularFile(p)) {
                    out.add(new SegmentSet.Segment(seq.getAsLong(), p));
                }
            }
        }
        out.sort(Comparator.comparingLong(SegmentSet.Segment::firstSeq));
        return out;
    }
}
