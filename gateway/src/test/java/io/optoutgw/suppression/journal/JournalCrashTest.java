package io.optoutgw.suppression.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kills a process that is appending with SIGKILL and checks that every acknowledged record survives
 * (docs/reliability.md scenario 3: nothing acknowledged to the SMSC is lost).
 */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JournalCrashTest {

    private static final Logger log = LoggerFactory.getLogger(JournalCrashTest.class);
    private static final int ACKS_BEFORE_KILL = 300;
    private static final int ROUNDS = 3;

    @TempDir
    Path tmp;

    private Process child;

    @AfterEach
    void killChild() throws InterruptedException {
        if (child != null && child.isAlive()) {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void everyAcknowledgedRecordSurvivesKillMinus9() throws Exception {
        Path dir = tmp.resolve("journal");
        Map<Long, String> acked = new HashMap<>();
        // several rounds on one directory: each child recovers the previous child's torn tail, then appends more
        for (int round = 1; round <= ROUNDS; round++) {
            int before = acked.size();
            runAndKillChild(dir, round, acked);
            assertTrue(acked.size() >= before + ACKS_BEFORE_KILL, "round " + round + " acknowledged too few");
        }

        Map<Long, String> replayed = new HashMap<>();
        try (OptOutJournal journal = OptOutJournal.open(dir, OptOutJournal.Options.defaults())) {
            long[] expectedSeq = {1};
            journal.replay(0, (seq, payload) -> {
                assertEquals(expectedSeq[0]++, seq, "sequences are contiguous");
                replayed.put(seq, new String(payload, StandardCharsets.UTF_8));
            });
            assertEquals(replayed.size(), journal.lastSequence());
            long next = journal.append("after-crash".getBytes(StandardCharsets.UTF_8))
                    .get(30, TimeUnit.SECONDS);
            assertEquals(journal.lastSequence(), next);
        }
        for (Map.Entry<Long, String> ack : acked.entrySet()) {
            String got = replayed.get(ack.getKey());
            assertNotNull(got, "acknowledged sequence " + ack.getKey() + " lost");
            assertEquals(ack.getValue(), got, "payload of sequence " + ack.getKey());
        }
    }

    private void runAndKillChild(Path dir, int round, Map<Long, String> acked) throws Exception {
        String java = ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Path stderr = tmp.resolve("child-" + round + "-stderr.log");
        child = new ProcessBuilder(
                        java,
                        "-Xmx128m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        JournalCrashChild.class.getName(),
                        dir.toString(),
                        "r" + round)
                .redirectError(stderr.toFile())
                .start();
        int seen = 0;
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while (seen < ACKS_BEFORE_KILL && (line = in.readLine()) != null) {
                seen += parseAck(line, acked);
            }
            assertEquals(ACKS_BEFORE_KILL, seen, "child stopped early; stderr: " + read(stderr));
            kill9(child);
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child did not die");
            // acknowledgements already in the pipe were also acknowledged before the kill
            while ((line = in.readLine()) != null) {
                seen += parseAck(line, acked);
            }
        }
        log.info(
                "round {}: child {} killed (exit code {}) after {} acknowledged appends",
                round,
                child.pid(),
                child.exitValue(),
                seen);
    }

    private static int parseAck(String line, Map<Long, String> acked) {
        if (!line.startsWith(JournalCrashChild.ACK)) {
            return 0;
        }
        String[] parts = line.split(" ", 3);
        if (parts.length != 3) {
            return 0;
        }
        String previous = acked.put(Long.parseLong(parts[1]), parts[2]);
        assertEquals(null, previous, "sequence " + parts[1] + " acknowledged twice");
        return 1;
    }

    /** Sends SIGKILL by PID (Process.destroyForcibly() does the same on Linux, used where kill is missing). */
    private static void kill9(Process p) throws Exception {
        if (Files.isExecutable(Path.of("/bin/kill"))) {
            Process kill = new ProcessBuilder(List.of("/bin/kill", "-9", Long.toString(p.pid())))
                    .inheritIO()
                    .start();
            if (kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0) {
                return;
            }
        }
        p.destroyForcibly();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (Exception e) {
            return e.toString();
        }
    }
}
