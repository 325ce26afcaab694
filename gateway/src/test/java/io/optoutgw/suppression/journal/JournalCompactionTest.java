package io.optoutgw.suppression.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Compaction of closed segments into a snapshot that keeps the highest-ranked record per key. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JournalCompactionTest {

    /** Payload "key=rank", or "note" (dropped by compaction). */
    private static final JournalCompaction POLICY = payload -> {
        String s = new String(payload, StandardCharsets.UTF_8);
        int eq = s.indexOf('=');
        return eq < 0 ? null : new JournalCompaction.Kept(s.substring(0, eq), Long.parseLong(s.substring(eq + 1)));
    };

    @TempDir
    Path dir;

    private static final OptOutJournal.Options SMALL =
            OptOutJournal.Options.defaults().withSegmentSizeBytes(256);

    private static List<String> replayAll(OptOutJournal j, long from) throws IOException {
        List<String> out = new ArrayList<>();
        j.replay(from, (seq, payload) -> out.add(new String(payload, StandardCharsets.UTF_8)));
        return out;
    }

    /** The latest value per key, as a consumer applying records in order would end up with. */
    private static Map<String, Long> applied(List<String> records) {
        Map<String, Long> state = new LinkedHashMap<>();
        for (String r : records) {
            int eq = r.indexOf('=');
            if (eq > 0) {
                state.merge(r.substring(0, eq), Long.parseLong(r.substring(eq + 1)), Math::max);
            }
        }
        return state;
    }

    private void append(OptOutJournal j, String payload) throws Exception {
        j.append(payload.getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
    }

    private List<String> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".log"))
                    .sorted()
                    .toList();
        }
    }

    @Test
    void compactionKeepsTheLatestPerKeyAcrossRestartsAndShrinksTheJournal() throws Exception {
        Map<String, Long> expected;
        long last;
        try (OptOutJournal j = OptOutJournal.open(dir, SMALL)) {
            j.enableCompaction(POLICY, 0);
            for (int round = 1; round <= 30; round++) {
                for (String key : List.of("a", "b", "c")) {
                    append(j, key + "=" + round);
                }
                append(j, "note");
            }
            List<String> before = replayAll(j, 0);
            expected = applied(before);
            long bytesBefore = j.sizeBytes();
            int segmentsBefore = j.segmentCount();
            last = j.lastSequence();

            int replaced = j.compactThrough(last);
            assertEquals(segmentsBefore - 1, replaced, files().toString());
            assertEquals(2, j.segmentCount(), "the snapshot and the active segment");
            assertTrue(j.sizeBytes() < bytesBefore / 4, j.sizeBytes() + " vs " + bytesBefore);
            List<String> after = replayAll(j, 0);
            assertEquals(expected, applied(after));
            assertTrue(after.size() < before.size() / 4, after.toString());
            // a replay from inside the compacted range reads the whole snapshot: nothing it covers is lost
            assertEquals(expected, applied(replayAll(j, 1)));

            // more changes, compacted again together with the first snapshot
            append(j, "a=100");
            for (int i = 0; i < 20; i++) {
                append(j, "note");
            }
            expected.put("a", 100L);
            assertTrue(j.compactThrough(j.lastSequence()) > 0);
            assertEquals(expected, applied(replayAll(j, 0)));
            last = j.lastSequence();
        }
        try (OptOutJournal j = OptOutJournal.open(dir, SMALL)) {
            assertEquals(last, j.lastSequence());
            assertEquals(expected, applied(replayAll(j, 0)));
            append(j, "b=200");
            assertEquals(last + 1, j.lastSequence());
        }
        assertEquals(1, files().stream().filter(n -> n.startsWith("snapshot-")).count(), files().toString());
    }

    @Test
    void compactionWaitsForTheThresholdAndNeverPassesTheGivenSequence() throws Exception {
        try (OptOutJournal j = OptOutJournal.open(dir, SMALL)) {
            j.enableCompaction(POLICY, 1 << 20);
            for (int i = 1; i <= 40; i++) {
                append(j, "k=" + i);
            }
            assertEquals(0, j.compactThrough(j.lastSequence()), "below the threshold");
            j.enableCompaction(POLICY, 0);
            assertEquals(0, j.compactThrough(0), "nothing is applied yet");
            int segments = j.segmentCount();
            assertTrue(j.compactThrough(25) > 0);
            assertTrue(j.segmentCount() < segments);
            List<String> all = replayAll(j, 0);
            assertEquals(40L, applied(all).get("k"));
            assertTrue(all.containsAll(List.of("k=26", "k=40")), "records after 25 are kept: " + all);
        }
    }

    @Test
    void aCompactionInterruptedAfterTheSnapshotIsFinishedAtOpen() throws Exception {
        List<String> expected;
        Map<Path, byte[]> copies = new LinkedHashMap<>();
        try (OptOutJournal j = OptOutJournal.open(dir, SMALL)) {
            j.enableCompaction(POLICY, 0);
            for (int i = 1; i <= 40; i++) {
                append(j, (i % 2 == 0 ? "x=" : "y=") + i);
            }
            try (Stream<Path> s = Files.list(dir)) {
                for (Path p : s.filter(p -> p.getFileName().toString().startsWith("journal-"))
                        .toList()) {
                    copies.put(p, Files.readAllBytes(p));
                }
            }
            assertTrue(j.compactThrough(j.lastSequence()) > 0);
            expected = replayAll(j, 0);
        }
        // the crash came after the snapshot got its name, before the old segments were deleted
        for (Map.Entry<Path, byte[]> e : copies.entrySet()) {
            if (!Files.exists(e.getKey())) {
                Files.write(e.getKey(), e.getValue());
            }
        }
        Files.writeString(dir.resolve(JournalFormat.snapshotName(1) + ".tmp"), "half-written");
        try (OptOutJournal j = OptOutJournal.open(dir, SMALL)) {
            assertEquals(expected, replayAll(j, 0));
            assertEquals(2, j.segmentCount());
        }
        assertEquals(2, files().size(), files().toString());
    }
}
