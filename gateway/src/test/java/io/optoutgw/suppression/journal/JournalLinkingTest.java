package io.optoutgw.suppression.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Linked appends: the linker sees records in the order they are written, and a failed batch's links are
 * forgotten so the next record follows the last one on disk.
 */
class JournalLinkingTest {

    @TempDir
    Path dir;

    /** Prefixes each payload with its place in the chain and the place of the one before. */
    static final class Counter implements RecordLinker {
        long pending;
        long durable;
        long beforeLast;

        @Override
        public byte[] link(byte[] payload) {
            beforeLast = pending;
            pending++;
            return (pending + "<" + (pending - 1) + ":" + new String(payload, StandardCharsets.UTF_8))
                    .getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public void durable(int unwritten) {
            durable = unwritten == 0 ? pending : beforeLast;
        }

        @Override
        public void rollback() {
            pending = durable;
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> all(OptOutJournal j) throws IOException {
        List<String> out = new ArrayList<>();
        j.replay(0, (seq, p) -> out.add(seq + "=" + new String(p, StandardCharsets.UTF_8)));
        return out;
    }

    @Test
    void linkedAppendsAreLinkedInWriteOrderAndPlainOnesAreNot() throws Exception {
        try (OptOutJournal j = OptOutJournal.open(dir, OptOutJournal.Options.defaults())) {
            Counter c = new Counter();
            j.linkWith(c);
            assertEquals("1<0:a", new String(j.appendLinked(b("a")).get().payload(), StandardCharsets.UTF_8));
            assertEquals(2L, j.append(b("plain")).get());
            OptOutJournal.Appended third = j.appendLinked(b("b")).get();
            assertEquals(3L, third.seq());
            assertEquals(List.of("1=1<0:a", "2=plain", "3=2<1:b"), all(j));
            assertEquals(2, c.durable);
        }
    }

    @Test
    void aFailedBatchsLinksAreForgotten() throws Exception {
        AtomicInteger forces = new AtomicInteger();
        JournalFaults failSecond = segment -> {
            if (forces.incrementAndGet() == 2) {
                throw new IOException("No space left on device");
            }
        };
        try (OptOutJournal j = OptOutJournal.open(dir, OptOutJournal.Options.defaults(), failSecond)) {
            Counter c = new Counter();
            j.linkWith(c);
            j.appendLinked(b("a")).get(10, TimeUnit.SECONDS);
            assertThrows(
                    ExecutionException.class, () -> j.appendLinked(b("lost")).get(10, TimeUnit.SECONDS));
            j.appendLinked(b("c")).get(10, TimeUnit.SECONDS);
            // the journal skips the failed batch's sequence; the chain does not skip a link
            assertEquals(List.of("1=1<0:a", "3=2<1:c"), all(j));
        }
    }

    @Test
    void recordsForcedBeforeARotationKeepTheirLinksWhenTheRestOfTheBatchFails() throws Exception {
        AtomicInteger forces = new AtomicInteger();
        // the batch below: forced once before the rotation (kept), then its second force fails
        JournalFaults failThird = segment -> {
            if (forces.incrementAndGet() == 3) {
                throw new IOException("I/O error");
            }
        };
        OptOutJournal.Options small = OptOutJournal.Options.defaults().withSegmentSizeBytes(64);
        try (OptOutJournal j = OptOutJournal.open(dir, small, failThird)) {
            Counter c = new Counter();
            j.linkWith(c);
            j.appendLinked(b("a")).get(10, TimeUnit.SECONDS); // force 1
            var x = j.appendLinked(b("x"));
            var y = j.appendLinked(b("y"));
            var z = j.appendLinked(b("z"));
            for (var f : List.of(x, y, z)) {
                try {
                    f.get(10, TimeUnit.SECONDS);
                } catch (ExecutionException expected) {
                    // the batch (or part of it) failed
                }
            }
            j.appendLinked(b("next")).get(10, TimeUnit.SECONDS);
            // whatever reached the disk, its links run without a gap or a repeat
            List<String> records = all(j);
            long expected = 1;
            for (String r : records) {
                String payload = r.substring(r.indexOf('=') + 1);
                assertEquals(
                        expected + "<" + (expected - 1),
                        payload.substring(0, payload.indexOf(':')),
                        records.toString());
                expected++;
            }
            assertEquals(
                    "next",
                    records.get(records.size() - 1)
                            .substring(records.get(records.size() - 1).indexOf(':') + 1));
        }
    }
}
