package io.optoutgw.http;

import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.testsupport.TestGateways;

/** Gateway YAML and Redis layout helpers shared by the admin API and CLI tests. */
public final class AdminApiTestConfig {

    private AdminApiTestConfig() {}

    /** Two accounts (acme owning 12345, beta owning 67890), one upstream: the simulator on {@code smscPort}. */
    public static String config(int smscPort) {
        return """
                relay: { requestTimeout: 2s }
                optout: { recordTimeout: 1500ms, reconcileInterval: 1h, journalDir: "%s" }
                upstreams:
                  - { name: sim, host: 127.0.0.1, port: %d, systemId: gw, binds: 1,
                      reconnectInitialDelay: 50ms, reconnectMaxDelay: 200ms }
                accounts:
                  - { systemId: acme, password: pw, numbers: ["12345"] }
                  - { systemId: beta, password: pw, numbers: ["67890"] }
                """.formatted(TestGateways.tempJournalDir("admin"), smscPort);
    }

    /** Same layout as SuppressionStore with the default bucket count: the bucket key of a number. */
    public static String bucketKey(String digits) {
        long z = Long.parseLong(digits);
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        z = z ^ (z >>> 33);
        return "gw:s:{" + (z & (SuppressionStore.DEFAULT_BUCKETS - 1)) + "}";
    }
}
