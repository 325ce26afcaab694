package io.optoutgw.suppression.journal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The journal's segments in sequence order plus the durable end of the active one, shared by the writer,
 * replay and compaction so that replay never reads bytes that were not yet forced (docs/reliability.md scenario 4).
 */
final class SegmentSet {

    /**
     * A segment file and the sequence of its first record.
     *
     * @param afterFailedWrite the writer opened it after a failed write: the previous segment may end early,
     *                         with a torn tail of the failed batch, and sequences may be skipped before this one
     * @param snapshot         a compaction snapshot (always the first segment): its records are renumbered, so a
     *                         replay from any sequence it covers reads all of it
     */
    record Segment(long firstSeq, Path path, boolean afterFailedWrite, boolean snapshot) {
        Segment(long firstSeq, Path path) {
            this(firstSeq, path, false, false);
        }

        Segment(long firstSeq, Path path, boolean afterFailedWrite) {
            this(firstSeq, path, afterFailedWrite, false);
        }
    }

    /** A consistent view: every segment but the last is complete; the last is readable up to {@code activeEnd}. */
    record Snapshot(List<Segment> segments, long activeEnd, long durableSeq) {}

    private final List<Segment> segments;
    private long activeEnd;
    private long durableSeq;

    SegmentSet(List<Segment> segments, long activeEnd, long durableSeq) {
        this.segments = new ArrayList<>(segments);
        this.activeEnd = activeEnd;
        this.durableSeq = durableSeq;
    }

    synchronized Snapshot snapshot() {
        return new Snapshot(List.copyOf(segments), activeEnd, durableSeq);
    }

    synchronized long durableSeq() {
        return durableSeq;
    }

    synchronized int size() {
        return segments.size();
    }

    /** The active (last) segment. */
    synchronized Segment active() {
        return segments.get(segments.size() - 1);
    }

    /** Where the active segment's forced bytes end. */
    synchronized long activeEnd() {
        return activeEnd;
    }

    /** Records that everything up to {@code end} of the active segment, sequence {@code seq}, is on disk. */
    synchronized void durable(long end, long seq) {
        activeEnd = end;
        durableSeq = seq;
    }

    /** Makes a new, empty segment (header of {@code headerEnd} bytes, already forced) the active one. */
    synchronized void addActive(Segment segment, long headerEnd) {
        segments.add(segment);
        activeEnd = headerEnd;
    }

    /** Replaces the first {@code n} segments (never the active one) with {@code snapshot}; returns those removed. */
    synchronized List<Segment> replaceLeading(int n, Segment snapshot) {
        if (n >= segments.size()) {
            throw new IllegalArgumentException("cannot replace the active segment");
        }
        List<Segment> removed = new ArrayList<>(segments.subList(0, n));
        segments.subList(0, n).clear();
        segments.add(0, snapshot);
        return removed;
    }

    /** Removes and returns the oldest segments whose records are all {@code <= seq}; never the active one. */
    synchronized List<Segment> removeCoveredUpTo(long seq) {
        List<Segment> removed = new ArrayList<>();
        while (segments.size() > 1 && segments.get(1).firstSeq() - 1 <= seq) {
            removed.add(segments.remove(0));
        }
        return removed;
    }
}
