package io.optoutgw.optout;

import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.optoutgw.admin.ListVerifier;
import io.optoutgw.admin.VerifyReport;
import io.optoutgw.app.Gateway;
import io.optoutgw.redis.RedisConnector;
import io.optoutgw.relay.MessageIdStore;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.ConsentLedger;
import io.optoutgw.suppression.Scope;
import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.suppression.evidence.CheckpointStore;
import io.optoutgw.suppression.evidence.Checkpointer;
import io.optoutgw.suppression.evidence.EvidenceKeys;
import io.optoutgw.suppression.evidence.KeyFiles;
import io.optoutgw.suppression.journal.OptOutJournal;
import io.optoutgw.testsupport.CompactTrails;
import io.optoutgw.testsupport.RedisClusterProcesses;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The list, the audit trail, message-id routing, the journal reconciliation, concatenated-MO
 * reassembly and a whole gateway against a three-master Redis Cluster on loopback ports.
 */
@Tag("integration")
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RedisClusterTest {

    private static final int NUMBERS = 600;

    private static RedisClusterProcesses cluster;
    private static RedisConnector connector;
    private SuppressionStore store;

    @BeforeAll
    static void startCluster() {
        cluster = RedisClusterProcesses.start(3);
        connector = RedisConnector.connect(cluster.uri(), Duration.ofSeconds(2));
    }

    @AfterAll
    static void stopCluster() {
        try {
            if (connector != null) {
                connector.close();
            }
        } finally {
            cluster.close();
        }
    }

    @BeforeEach
    void flush() throws Exception {
        connector.async().flushall().get(5, TimeUnit.SECONDS);
        store = new SuppressionStore(connector.async(), SuppressionStore.DEFAULT_BUCKETS);
        get(store.checkLayout());
    }

    private static <T> T get(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static String number(int i) {
        return "1555" + String.format("%07d", (i * 7919L) % 10_000_000L);
    }

    private static ConsentEvent event(ConsentEvent.Type type, String number, Scope scope, long epochSecond) {
        return new ConsentEvent(
                ConsentEvent.newId(),
                Instant.ofEpochSecond(epochSecond),
                type,
                number,
                scope.code(),
                "STOP",
                "en",
                "Stop",
                0,
                "sim",
                "sim#0/7",
                "gw-cluster",
                null,
                null);
    }

    private static Scope scopeOf(int i) {
        return switch (i % 3) {
            case 0 -> Scope.Global.INSTANCE;
            case 1 -> new Scope.Account("acme");
            default -> new Scope.Sender("acme", "12345");
        };
    }

    @Test
    void connectorIsAClusterConnection() {
        assertTrue(connector.isCluster());
        assertTrue(connector.isOpen());
        assertEquals("OK", connector.sync().set("plain", "1"));
        assertEquals("1", connector.sync().get("plain"));
    }

    @Test
    void listChecksAndHistoryForNumbersSpreadOverAllNodes() throws Exception {
        List<CompletableFuture<SuppressionStore.Applied>> applied = new ArrayList<>();
        for (int i = 0; i < NUMBERS; i++) {
            String n = number(i);
            applied.add(store.apply(event(ConsentEvent.Type.OPT_OUT, n, scopeOf(i), 1000 + i))
                    .toCompletableFuture());
        }
        for (CompletableFuture<SuppressionStore.Applied> a : applied) {
            SuppressionStore.Applied result = a.get(10, TimeUnit.SECONDS);
            assertTrue(result.listChanged() && result.auditAdded());
        }
        for (int i = 0; i < NUMBERS; i++) {
            String n = number(i);
            SuppressionStore.Verdict acme = get(store.check(n, "acme", "12345"));
            assertTrue(acme.suppressed(), n);
            assertEquals(scopeOf(i), acme.suppressedBy());
            assertEquals(i % 3 == 0, get(store.check(n, "beta", "999")).suppressed(), n);
            List<ConsentEvent> history = get(store.history(n));
            assertEquals(1, history.size());
            assertEquals(n, history.get(0).number());
        }
        assertEquals(NUMBERS, connector.sync().zcard("gw:audit"));
        for (RedisServerProcess node : cluster.nodes()) {
            try (RedisConnector direct =
                    RedisConnector.connect("redis://127.0.0.1:" + node.port(), Duration.ofSeconds(2))) {
                assertTrue(direct.sync().dbsize() > NUMBERS / 10, "every master holds part of the list");
            }
        }
    }

    @Test
    void lastWriterWinsAndReplaysAreIdempotentOnTheCluster() throws Exception {
        String n = number(4242);
        ConsentEvent stop = event(ConsentEvent.Type.OPT_OUT, n, Scope.Global.INSTANCE, 1000);
        get(store.apply(stop));
        get(store.apply(event(ConsentEvent.Type.OPT_IN, n, Scope.Global.INSTANCE, 2000)));
        SuppressionStore.Applied replay = get(store.apply(stop));
        assertFalse(replay.listChanged());
        assertFalse(replay.auditAdded());
        assertFalse(get(store.check(n, "acme", "1")).suppressed());
        assertEquals(-2000L, get(store.entries(n)).get("g"));
    }

    @Test
    void messageIdsAreRememberedAndFound() throws Exception {
        MessageIdStore ids = new MessageIdStore(connector.async(), Duration.ofMinutes(5));
        for (int i = 0; i < 300; i++) {
            ids.remember("sim", "mid-" + i, "acct-" + (i % 7));
        }
        for (int i = 0; i < 300; i++) {
            String key = "gw:mid:sim:mid-" + i;
            assertTrue(
                    TestGateways.eventually(
                            Duration.ofSeconds(5), () -> connector.sync().exists(key) == 1L),
                    key);
            assertEquals("acct-" + (i % 7), get(ids.lookup("sim", "mid-" + i)));
        }
        assertNull(get(ids.lookup("sim", "unknown")));
    }

    @Test
    void recorderWritesJournalAndClusterAndReconcilesAfterDataLoss(@TempDir Path dir) throws Exception {
        try (OptOutJournal journal =
                OptOutJournal.open(Files.createDirectories(dir.resolve("journal")), OptOutJournal.Options.defaults())) {
            ConsentLedger recorder =
                    new ConsentLedger(journal, store, connector.async(), "gw-cluster", Duration.ofSeconds(5));
            recorder.replayAtStartup(Duration.ofSeconds(10));
            List<CompletableFuture<Void>> recorded = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                recorded.add(recorder.record(event(ConsentEvent.Type.OPT_OUT, number(i), Scope.Global.INSTANCE, 5000)));
            }
            CompletableFuture.allOf(recorded.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
            assertEquals(0, recorder.reconcile(Duration.ofSeconds(10)), "nothing missing");

            connector.async().flushall().get(5, TimeUnit.SECONDS);
            assertFalse(get(store.check(number(7), "acme", "1")).suppressed(), "the cluster lost everything");

            assertEquals(200, recorder.reconcile(Duration.ofSeconds(20)));
            assertEquals(200, recorder.discrepancies());
            for (int i = 0; i < 200; i++) {
                assertTrue(get(store.check(number(i), "acme", "1")).suppressed(), number(i));
            }
            assertEquals(0, recorder.reconcile(Duration.ofSeconds(10)));
        }
    }

    @Test
    void theHashChainAndItsSignedCheckpointsVerifyOnTheClusterAndAnEditIsNamed(@TempDir Path dir) throws Exception {
        // a small list, so the verification walks few buckets
        SuppressionStore small = new SuppressionStore(connector.async(), 1024);
        EvidenceKeys.Signer signer = KeyFiles.signer(dir);
        long anHourAgo = Instant.now().minusSeconds(3600).getEpochSecond();
        try (OptOutJournal journal =
                OptOutJournal.open(Files.createDirectories(dir.resolve("journal")), OptOutJournal.Options.defaults())) {
            ConsentLedger recorder =
                    new ConsentLedger(journal, small, connector.async(), "gw-cluster", Duration.ofSeconds(5));
            recorder.replayAtStartup(Duration.ofSeconds(10));
            List<ConsentEvent> events = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                events.add(
                        recorder.recordOrdered(event(ConsentEvent.Type.OPT_OUT, number(i), scopeOf(i), anHourAgo + i))
                                .get(10, TimeUnit.SECONDS));
            }
            new Checkpointer(
                            recorder,
                            signer,
                            Duration.ofHours(1),
                            1_000_000,
                            Duration.ofSeconds(5),
                            Clock.offset(Clock.systemUTC(), Duration.ofHours(-1)))
                    .checkpointNow();
            ListVerifier verifier = new ListVerifier(
                    small,
                    journal,
                    new CheckpointStore(connector.async(), Duration.ofSeconds(5)),
                    Map.of(signer.keyId(), signer.publicKey()),
                    Duration.ofSeconds(5),
                    Duration.ofMillis(50));
            VerifyReport clean = verifier.verify();
            assertTrue(clean.ok(), clean.discrepancies().toString());
            VerifyReport.ChainStatus chain = clean.chain().chains().get(0);
            assertEquals(50, chain.redisEvents());
            assertEquals(50, chain.journalEvents());
            assertEquals(2, chain.signatureValid());

            ConsentEvent victim = events.get(17);
            CompactTrails.edit(
                    connector.async(), small, victim.number(), victim.id(), e -> CompactTrails.withKeyword(e, "Hello"));
            VerifyReport edited = verifier.verify();
            List<VerifyReport.Discrepancy> named = edited.discrepancies().stream()
                    .filter(x -> x.kind().equals(VerifyReport.EVENT_EDITED))
                    .toList();
            assertEquals(1, named.size(), edited.discrepancies().toString());
            VerifyReport.Discrepancy d = named.get(0);
            assertEquals(VerifyReport.EVENT_EDITED, d.kind());
            assertEquals(victim.id(), d.eventId());
            assertEquals(18L, d.seq());
        }
    }

    /** The master serving {@code key}'s slot, as the connection's topology says. */
    private static RedisServerProcess masterOf(String key) {
        int port = ((RedisAdvancedClusterAsyncCommands<String, String>) connector.async())
                .getStatefulConnection()
                .getPartitions()
                .getPartitionBySlot(SlotHash.getSlot(key))
                .getUri()
                .getPort();
        return cluster.nodes().stream()
                .filter(n -> n.port() == port)
                .findFirst()
                .orElseThrow();
    }

    @Test
    void aMasterThatLosesItsDataIsRepairedByReconciliationAndAtStartUp(@TempDir Path dir) throws Exception {
        // the instance's marker key lives on one master; empty another one
        RedisServerProcess markerHolder = masterOf("gw:journal:gw-cluster:applied");
        RedisServerProcess victim = cluster.nodes().stream()
                .filter(n -> n != markerHolder)
                .findFirst()
                .orElseThrow();
        List<String> onVictim = new ArrayList<>();
        Set<Integer> mastersHit = new HashSet<>();
        try (OptOutJournal journal =
                OptOutJournal.open(Files.createDirectories(dir.resolve("journal")), OptOutJournal.Options.defaults())) {
            ConsentLedger recorder =
                    new ConsentLedger(journal, store, connector.async(), "gw-cluster", Duration.ofSeconds(5));
            recorder.replayAtStartup(Duration.ofSeconds(10));
            for (int i = 0; i < 60; i++) {
                String n = number(i);
                recorder.record(event(ConsentEvent.Type.OPT_OUT, n, Scope.Global.INSTANCE, 5000))
                        .get(10, TimeUnit.SECONDS);
                RedisServerProcess holder = masterOf(store.bucketKey(n));
                mastersHit.add(holder.port());
                if (holder == victim) {
                    onVictim.add(n);
                }
            }
            assertEquals(3, mastersHit.size(), "opt-outs on every master");
            assertEquals(0, recorder.reconcile(Duration.ofSeconds(10)), "nothing missing");

            flushNode(victim);
            assertFalse(onVictim.isEmpty());
            for (String n : onVictim) {
                assertFalse(get(store.check(n, "acme", "1")).suppressed(), "the master lost " + n);
            }

            assertTrue(recorder.reconcile(Duration.ofSeconds(20)) >= onVictim.size());
            assertTrue(recorder.discrepancies() >= onVictim.size(), "counted: " + recorder.discrepancies());
            for (int i = 0; i < 60; i++) {
                assertTrue(get(store.check(number(i), "acme", "1")).suppressed(), number(i));
            }
            assertEquals(0, recorder.reconcile(Duration.ofSeconds(10)), "repaired once");

            // the same loss while the gateway is down: its start-up replay repairs it
            flushNode(victim);
            ConsentLedger restarted =
                    new ConsentLedger(journal, store, connector.async(), "gw-cluster", Duration.ofSeconds(5));
            restarted.replayAtStartup(Duration.ofSeconds(20));
            assertTrue(restarted.discrepancies() >= onVictim.size(), "counted: " + restarted.discrepancies());
            for (String n : onVictim) {
                assertTrue(get(store.check(n, "acme", "1")).suppressed(), n);
            }
        }
    }

    private static void flushNode(RedisServerProcess node) throws Exception {
        try (RedisConnector direct =
                RedisConnector.connect("redis://127.0.0.1:" + node.port(), Duration.ofSeconds(2))) {
            direct.sync().flushall();
        }
    }

    @Test
    void concatenatedPartsAreReassembledWhicheverNodeHoldsThem() throws Exception {
        Reassembly reassembly = new Reassembly(connector.async(), Duration.ofMinutes(1));
        for (int m = 0; m < 50; m++) {
            String source = number(m);
            assertNull(get(reassembly.add(source, "12345", new Concat(m, 3, 3), "P")));
            assertNull(get(reassembly.add(source, "12345", new Concat(m, 3, 1), "ST")));
            assertEquals("STOP", get(reassembly.add(source, "12345", new Concat(m, 3, 2), "O")));
            // a redelivered part of a complete set gets the whole text again, until the set is released
            assertEquals("STOP", get(reassembly.add(source, "12345", new Concat(m, 3, 1), "ST")));
            reassembly.release(source, "12345", new Concat(m, 3, 2));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (connector.sync().dbsize() > 1 && System.nanoTime() < deadline) {
            Thread.sleep(20); // release is asynchronous
        }
        assertEquals(0L, connector.sync().dbsize() - 1, "only gw:meta:buckets is left");
    }

    @Test
    void aGatewayOnTheClusterRecordsStopAndRefuses(@TempDir Path dir) throws Exception {
        try (SmscSimulator smsc = new SmscSimulator(SimulatorOptions.defaults()).start();
                Gateway gateway = TestGateways.start(
                        "gw-cl", cluster.uri(), """
                     relay: { requestTimeout: 2s }
                     optout: { journalDir: "%s", recordTimeout: 2s, reconcileInterval: 1h }
                     upstreams:
                       - { name: sim, host: 127.0.0.1, port: %d, systemId: gw, binds: 1,
                           reconnectInitialDelay: 50ms, reconnectMaxDelay: 200ms }
                     accounts:
                       - { systemId: acme, password: pw, numbers: ["12345"], optOut: { scope: global } }
                     """.formatted(dir.resolve("journal"), smsc.port()))) {
            awaitBound(gateway);
            assertNull(gateway.notReadyReason());
            for (int i = 0; i < 20; i++) {
                String person = number(900 + i);
                int status = smsc.injectMo(person, "12345", "STOP".getBytes(StandardCharsets.ISO_8859_1), (byte) 0)
                        .get(10, TimeUnit.SECONDS);
                assertEquals(0, status);
                assertTrue(get(store.check(person, "acme", "12345")).suppressed(), person);
                assertTrue(get(store.check(person, "other", "777")).suppressed(), "global scope");
            }
        }
    }
}
