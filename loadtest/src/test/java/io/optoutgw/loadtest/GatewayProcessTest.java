package io.optoutgw.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("integration")
class GatewayProcessTest {

    private static final String SCRAPE = """
            # HELP jvm_gc_live_data_size_bytes Size of long-lived heap memory pool after reclamation
            # TYPE jvm_gc_live_data_size_bytes gauge
            jvm_gc_live_data_size_bytes 2.6036224E7
            jvm_gc_live_data_size_bytes_other 1.0
            jvm_gc_pause_seconds_count{action="end of major GC",cause="Diagnostic Command",gc="G1 Old Generation"} 3
            jvm_gc_pause_seconds_sum{action="end of major GC",cause="Diagnostic Command",gc="G1 Old Generation"} 0.2
            jvm_gc_pause_seconds_count{action="end of major GC",cause="System.gc()",gc="G1 Old Generation"} 1
            jvm_gc_pause_seconds_count{action="end of minor GC",cause="G1 Evacuation Pause",gc="G1 Young Generation"} 7
            """;

    @Test
    void readsTheLiveHeapAndCountsOnlyMajorCollections() {
        assertEquals(2.6036224E7, GatewayProcess.gauge(SCRAPE, "jvm_gc_live_data_size_bytes"));
        assertEquals(-1, GatewayProcess.gauge(SCRAPE, "jvm_gc_max_data_size_bytes"));
        assertEquals(4, GatewayProcess.majorGcCount(SCRAPE));
        assertEquals(
                0,
                GatewayProcess.majorGcCount(
                        "jvm_gc_pause_seconds_count{action=\"end of minor GC\",cause=\"G1 Evacuation Pause\"} 9\n"));
    }
}
