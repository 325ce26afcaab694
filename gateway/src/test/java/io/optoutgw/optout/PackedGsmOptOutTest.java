package io.optoutgw.optout;

import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.app.Gateway;
import io.optoutgw.redis.RedisConnector;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** An SMSC that sends data_coding 0 as packed GSM 7-bit (a per-upstream setting). */
@Tag("integration")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PackedGsmOptOutTest {

    @Test
    void packedGsmStopIsRecordedWhenTheUpstreamSaysDataCodingZeroIsPacked() throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.start();
                SmscSimulator smsc = new SmscSimulator(SimulatorOptions.defaults()).start()) {
            Gateway gateway =
                    TestGateways.start("gw-packed", redis.uri(), OptOutCaptureTest.config(smsc.port(), "gsm7_packed"));
            try (RedisConnector c = RedisConnector.connect(redis.uri(), Duration.ofSeconds(2))) {
                awaitBound(gateway);
                // "STOP" packed into septets (3GPP TS 23.038 section 6.1.2.1)
                int status = smsc.injectMo(
                                "15557009999", "12345", HexFormat.of().parseHex("53EA130A"), (byte) 0)
                        .get(10, TimeUnit.SECONDS);
                assertEquals(0, status);
                SuppressionStore store = new SuppressionStore(c.async(), SuppressionStore.DEFAULT_BUCKETS);
                assertTrue(store.check("15557009999", "acme", "12345")
                        .toCompletableFuture()
                        .get()
                        .suppressed());
            } finally {
                gateway.close();
            }
        }
    }
}
