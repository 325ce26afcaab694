package io.optoutgw.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The chaos scenario, short: three gateways on a Redis Cluster (3 masters + 3 replicas), a Redis
 * master and a gateway killed with SIGKILL mid-run. No acknowledged STOP may be missing from the
 * list, no submit sent after its destination's STOP was acknowledged may reach the SMSC, and
 * {@code gateway audit verify} must pass on every gateway.
 */
@Tag("integration")
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class ChaosRunTest {

    /** Kept after the run (gateway and Redis logs) for a look when it fails; cleaned by the next run. */
    private static final Path WORK = Path.of("target", "chaos-test");

    @Test
    void noAcknowledgedStopIsLostAndNoSubmitAfterItsAckIsRelayed() throws Exception {
        deleteRecursively(WORK);
        ChaosRun.Options o = new ChaosRun.Options(20, 100, 400, 50, 0.5, 3, 1, null, "192m", WORK);
        ChaosRun.Result r = new ChaosRun(o, System.out).run();
        System.out.println(ChaosRun.summary(o, r));
        // the run did what it claims: STOPs were acknowledged and submits to them were refused
        assertTrue(r.stopsAcked() >= o.stops() * 9 / 10, r.stopsAcked() + " of " + o.stops() + " STOPs acknowledged");
        assertTrue(r.submitsRefused() > 0, "submits to opted-out numbers refused");
        assertTrue(r.relayed() > 0, "submits relayed: " + r.relayed());
        assertEquals(0, r.stopsUnknown(), "every acknowledged STOP could be looked up");
        assertEquals(0, r.stopsLost(), "acknowledged STOPs missing from the list");
        assertEquals(r.stopsAcked(), r.stopsAckedOnList());
        assertEquals(0, r.violations(), "submits relayed though sent after their STOP was acknowledged");
        assertTrue(r.auditClean(), "gateway audit verify: " + r.auditOutputs());
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
