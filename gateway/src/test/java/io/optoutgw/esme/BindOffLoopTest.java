package io.optoutgw.esme;

import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.EnquireLink;
import io.optoutgw.app.Gateway;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.testsupport.RawSmpp;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Bind password checks (PBKDF2) run off the event loops: a storm of binds with a hashed password
 * does not hold up a bound session's enquire_link, and binds beyond the checking pool's queue are
 * throttled at once instead of waiting.
 */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BindOffLoopTest {

    /** A raw SMPP connection to the gateway; binds wait up to a minute for their answer. */
    private static RawSmpp raw(int port) throws IOException {
        RawSmpp raw = RawSmpp.connect(port);
        raw.setReadTimeout(Duration.ofSeconds(60));
        return raw;
    }

    /** Sends bind_transceiver and returns the status of the answer. */
    private static int bind(RawSmpp raw, String user, String password) throws IOException {
        raw.sendBind(SmppConstants.CMD_ID_BIND_TRANSCEIVER, user, password);
        return raw.read().status();
    }

    @Test
    void aBindStormNeitherStallsBoundSessionsNorQueuesWithoutLimit() throws Exception {
        String hashed = PasswordHash.hash("pw");
        try (RedisServerProcess redis = RedisServerProcess.start();
                SmscSimulator smsc = new SmscSimulator(SimulatorOptions.defaults()).start()) {
            Gateway gateway = TestGateways.start("gw-bindpool", redis.uri(), """
                    smpp: { host: 127.0.0.1, port: 0, bindRate: 10000, maxBindFailures: 1000 }
                    upstreams: [ { name: sim, host: 127.0.0.1, port: %d, systemId: gw } ]
                    accounts:
                      - { systemId: acme, password: "%s", maxBinds: 100 }
                    """.formatted(smsc.port(), hashed));
            try (RawSmpp bound = raw(gateway.smppPort())) {
                awaitBound(gateway);
                assertEquals(0, bind(bound, "acme", "pw"));
                int binds = 40;
                List<RawSmpp> storm = new ArrayList<>();
                for (int i = 0; i < binds; i++) {
                    storm.add(raw(gateway.smppPort()));
                }
                ConcurrentLinkedQueue<Integer> statuses = new ConcurrentLinkedQueue<>();
                CountDownLatch go = new CountDownLatch(1);
                CountDownLatch done = new CountDownLatch(binds);
                for (int i = 0; i < binds; i++) {
                    RawSmpp r = storm.get(i);
                    int n = i;
                    Thread t = new Thread(() -> {
                        try {
                            go.await();
                            statuses.add(bind(r, "acme", n % 2 == 0 ? "pw" : "wrong"));
                        } catch (Exception e) {
                            statuses.add(-1);
                        } finally {
                            done.countDown();
                        }
                    });
                    t.setDaemon(true);
                    t.start();
                }
                AtomicBoolean stormOver = new AtomicBoolean();
                long start = System.nanoTime();
                go.countDown();
                long maxRtt = 0;
                int probes = 0;
                for (int seq = 2; !stormOver.get(); seq++) {
                    EnquireLink el = new EnquireLink();
                    el.setSequenceNumber(seq);
                    long t0 = System.nanoTime();
                    bound.send(el);
                    assertEquals(0, bound.read().status());
                    maxRtt = Math.max(maxRtt, System.nanoTime() - t0);
                    probes++;
                    Thread.sleep(5);
                    stormOver.set(done.getCount() == 0);
                }
                long stormNanos = System.nanoTime() - start;
                for (RawSmpp r : storm) {
                    r.close();
                }
                long throttled = statuses.stream().filter(s -> s == 0x58).count();
                long answered = statuses.stream()
                        .filter(s -> s == 0 || s == 0x0D || s == 0x58)
                        .count();
                assertEquals(binds, answered, "every bind answered: " + statuses);
                assertTrue(throttled > 0, "binds beyond the checking pool's queue are throttled: " + statuses);
                assertTrue(statuses.contains(0) && statuses.contains(0x0D), "the rest are checked: " + statuses);
                assertTrue(
                        maxRtt < stormNanos / 4,
                        "enquire_link round trips (max "
                                + TimeUnit.NANOSECONDS.toMillis(maxRtt) + " ms over " + probes
                                + " probes) stay far below the time the password checks took ("
                                + TimeUnit.NANOSECONDS.toMillis(stormNanos) + " ms)");
            } finally {
                gateway.close();
            }
        }
    }
}
