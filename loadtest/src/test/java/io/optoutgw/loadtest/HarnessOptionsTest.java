package io.optoutgw.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The harness's command line as picocli reads it. */
class HarnessOptionsTest {

    private static Harness parse(String... args) {
        Harness h = new Harness();
        new CommandLine(h).parseArgs(args);
        return h;
    }

    @Test
    void receiptsAreAskedForUnlessNoReceipts() {
        assertTrue(parse().receipts);
        assertFalse(parse("--no-receipts").receipts);
        assertTrue(parse("--receipts").receipts);
    }

    @Test
    void jasminDrainWaitDefaultsToFiveMinutes() {
        assertEquals(300, parse().jasminDrainSeconds);
        assertEquals(60, parse("--jasmin-drain-seconds", "60").jasminDrainSeconds);
    }
}
