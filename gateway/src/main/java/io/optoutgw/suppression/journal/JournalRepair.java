package io.optoutgw.suppression.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Makes a damaged journal openable again ({@code gateway journal repair}): drops damaged records and torn
 * tails from every segment and reports what it dropped. A segment whose records no longer run on without a
 * gap is split at each gap, and a segment that now follows a gap is flagged
 * {@link JournalFormat#FLAG_AFTER_FAILED_WRITE}, the same way the writer marks a gap after a failed write.
 * Runs only while no gateway holds the journal.
 */
public final class JournalRepair {

    /** What the repair did: one line per changed file, and the records kept overall. */
    public record Result(List<String> actions, long recordsKept) {}

    private record Run(long firstSeq, List<byte[]> payloads) {}

    private JournalRepair() {}

    public static Result repair(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("journal directory " + dir + " does not exist");
        }
        try (FileChannel lockChannel =
                FileChannel.open(dir.resolve("journal.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock;
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new IOException(
                        "journal " + dir + " is open in a running gateway (journal.lock is locked); stop it first");
            }
            try {
                return repairLocked(dir);
            } finally {
                lock.release();
            }
        }
    }

    private static Result repairLocked(Path dir) throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> JournalFormat.parseSegmentName(p).isPresent()).forEach(files::add);
        }
        files.sort(
                Comparator.comparingLong(p -> JournalFormat.parseSegmentName(p).getAsLong()));
        List<String> actions = new ArrayList<>();
        long kept = 0;
        long expectedNext = -1;
        for (Path file : files) {
            long nameSeq = JournalFormat.parseSegmentName(file).getAsLong();
            List<Run> runs = new ArrayList<>();
            short flags;
            SegmentScanner.Result r;
            long size;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                size = ch.size();
                try {
                    SegmentScanner.readHeader(file, ch, nameSeq);
                } catch (JournalCorruptException e) {
                    Path aside = file.resolveSibling(file.getFileName() + ".damaged");
                    ch.close();
                    Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
                    actions.add(file.getFileName() + ": unreadable header (" + e.getMessage() + "); moved to "
                            + aside.getFileName() + ", its " + size + " bytes are dropped");
                    continue;
                }
                flags = (short) SegmentScanner.readFlags(ch);
                r = SegmentScanner.scan(
                        file, ch, nameSeq, size, new SegmentScanner.Mode(true, true, Long.MIN_VALUE, (seq, payload) -> {
                            Run last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
                            if (last == null
                                    || last.firstSeq() + last.payloads().size() != seq) {
                                last = new Run(seq, new ArrayList<>());
                                runs.add(last);
                            }
                            last.payloads().add(payload);
                        }));
            }
            for (Run run : runs) {
                kept += run.payloads().size();
            }
            boolean damaged = r.skipped() > 0
                    || r.tornAt() >= 0
                    || runs.size() > 1
                    || (!runs.isEmpty() && runs.get(0).firstSeq() != nameSeq);
            boolean gapBefore = expectedNext >= 0 && nameSeq > expectedNext;
            if (expectedNext >= 0 && nameSeq < expectedNext) {
                throw new JournalCorruptException(
                        file,
                        0,
                        "first sequence " + nameSeq + " overlaps sequence " + (expectedNext - 1)
                                + " of the previous segment; cannot repair automatically");
            }
            if (!damaged) {
                if (gapBefore && (flags & JournalFormat.FLAG_AFTER_FAILED_WRITE) == 0) {
                    flags |= JournalFormat.FLAG_AFTER_FAILED_WRITE;
                    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                        ch.write(ByteBuffer.allocate(2).putShort(0, flags), 6);
                        ch.force(true);
                    }
                    actions.add(file.getFileName() + ": sequences " + expectedNext + "-" + (nameSeq - 1)
                            + " are missing before it; marked as following a gap");
                }
                expectedNext = r.lastSeq() + 1;
                continue;
            }
            // rewrite: the first run keeps the file's name (and header flags) when it still starts the segment
            if (runs.isEmpty() || runs.get(0).firstSeq() != nameSeq) {
                runs.add(0, new Run(nameSeq, new ArrayList<>()));
            }
            for (int i = 0; i < runs.size(); i++) {
                Run run = runs.get(i);
                short runFlags = i == 0
                        ? (short) (flags | (gapBefore ? JournalFormat.FLAG_AFTER_FAILED_WRITE : 0))
                        : JournalFormat.FLAG_AFTER_FAILED_WRITE;
                write(dir, run, runFlags);
            }
            StringBuilder sb = new StringBuilder(file.getFileName() + ": ");
            if (r.skipped() > 0) {
                sb.append(r.skipped()).append(" damaged region(s) dropped; ");
            }
            if (r.tornAt() >= 0) {
                sb.append("dropped ")
                        .append(size - r.tornAt())
                        .append(" bytes at offset ")
                        .append(r.tornAt())
                        .append(" (")
                        .append(r.tornReason())
                        .append("); ");
            }
            sb.append("kept ");
            List<String> ranges = new ArrayList<>();
            for (Run run : runs) {
                if (!run.payloads().isEmpty()) {
                    ranges.add(run.firstSeq() + "-"
                            + (run.firstSeq() + run.payloads().size() - 1));
                }
            }
            sb.append(ranges.isEmpty() ? "no records" : "sequences " + String.join(", ", ranges));
            actions.add(sb.toString());
            Run lastRun = runs.get(runs.size() - 1);
            expectedNext = lastRun.firstSeq() + lastRun.payloads().size();
        }
        JournalWriter.syncDirectory(dir);
        return new Result(actions, kept);
    }

    private static void write(Path dir, Run run, short flags) throws IOException {
        Path target = dir.resolve(JournalFormat.segmentName(run.firstSeq()));
        Path tmp = dir.resolve(target.getFileName() + ".repair");
        try (FileChannel ch = FileChannel.open(
                tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            long pos = 0;
            ByteBuffer header = JournalFormat.segmentHeader(run.firstSeq(), flags);
            while (header.hasRemaining()) {
                pos += ch.write(header, pos);
            }
            long seq = run.firstSeq();
            for (byte[] payload : run.payloads()) {
                ByteBuffer b = ByteBuffer.allocate(JournalFormat.frameSize(payload.length));
                JournalFormat.putRecord(b, seq++, payload);
                b.flip();
                while (b.hasRemaining()) {
                    pos += ch.write(b, pos);
                }
            }
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
