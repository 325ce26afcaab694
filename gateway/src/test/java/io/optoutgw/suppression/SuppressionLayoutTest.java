package io.optoutgw.suppression;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Pins where a number lives in Redis. The list outlives the gateway version that wrote it, and
 * {@link SuppressionStore#checkLayout()} compares only the bucket count: a changed bucket hash
 * would leave every existing opt-out in a hash the new version never reads, so the numbers would
 * be sent to again. The expected keys were computed by the version that defined the layout.
 */
class SuppressionLayoutTest {

    private static final int DEFAULT_BUCKETS = 1 << 18;

    @Test
    void aNumberIsInTheSameBucketAsBefore() {
        SuppressionStore store = new SuppressionStore(null, DEFAULT_BUCKETS); // key layout only, no Redis
        assertEquals("gw:s:{227399}", store.bucketKey("15551234567"));
        assertEquals("gw:s:{221571}", store.bucketKey("447700900123"));
        assertEquals("gw:s:{203749}", store.bucketKey("4915112345678"));
        assertEquals("gw:s:{183084}", store.bucketKey("1"));
    }

    @Test
    void theBulkLoadersKeyIsTheGatewaysKey() {
        assertEquals("gw:s:{7}", SuppressionStore.bucketKeyFor("15551234567", 16));
        assertEquals("gw:s:{3}", SuppressionStore.bucketKeyFor("447700900123", 16));
        assertEquals("gw:s:{12}", SuppressionStore.bucketKeyFor("1", 16));
        for (String digits : new String[] {"15551234567", "447700900123", "4915112345678", "1"}) {
            assertEquals(new SuppressionStore(null, 16).bucketKey(digits), SuppressionStore.bucketKeyFor(digits, 16));
            assertEquals(
                    new SuppressionStore(null, DEFAULT_BUCKETS).bucketKey(digits),
                    SuppressionStore.bucketKeyFor(digits, DEFAULT_BUCKETS));
        }
    }
}
