package io.optoutgw.optout;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.optoutgw.redis.RedisConnector;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.ConsentLedger;
import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.suppression.journal.OptOutJournal;
import io.optoutgw.testsupport.RedisServerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.junit.jupiter.api.Tag;

/**
 * Random sequences of consent events, recorded one after another by instances whose clocks
 * disagree (up to two minutes either way, and within one second of each other), against a real
 * redis-server, compared with the obvious model: for every (number, scope), the last opt-out or
 * opt-in recorded decides. Then the recorded events are replayed in a random order, with
 * duplicates, on top of the list and into an emptied Redis: the list ends up the same.
 */
@Tag("integration")
class ConsentOrderPropertyTest {

    private static final String[] NUMBERS = {"15551250001", "15551250002"};
    private static final String[] SCOPES = {"g", "a:acme"};
    private static final int[] SKEW_MS = {-120_000, -700, 0, 400, 90_000};
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private static RedisServerProcess redis;
    private static RedisConnector connector;
    private static Path dir;
    private static OptOutJournal journal;
    private static SuppressionStore store;
    private static ConsentLedger recorder;

    @BeforeContainer
    static void start() throws Exception {
        redis = RedisServerProcess.start();
        connector = RedisConnector.connect(redis.uri(), Duration.ofSeconds(2));
        dir = Files.createTempDirectory("consent-order");
        journal = OptOutJournal.open(dir, OptOutJournal.Options.defaults());
        store = new SuppressionStore(connector.async(), 1024);
        recorder = new ConsentLedger(journal, store, connector.async(), "gw-prop", TIMEOUT);
    }

    @AfterContainer
    static void stop() throws Exception {
        try {
            journal.close();
            connector.close();
        } finally {
            redis.close();
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> {
                    try {
                        Files.delete(p);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
    }

    /** One event: which field, what, and which instance (by its clock error) records it. */
    record Step(int number, int scope, ConsentEvent.Type type, int instance, int gapMs) {}

    @Provide
    Arbitrary<List<Step>> sequences() {
        Arbitrary<Step> step = Combinators.combine(
                        Arbitraries.integers().between(0, NUMBERS.length - 1),
                        Arbitraries.integers().between(0, SCOPES.length - 1),
                        Arbitraries.of(ConsentEvent.Type.class),
                        Arbitraries.integers().between(0, SKEW_MS.length - 1),
                        Arbitraries.integers().between(0, 300))
                .as(Step::new);
        return step.list().ofMinSize(1).ofMaxSize(12);
    }

    @Property(tries = 80)
    void theLastRecordedChangeDecidesAndReplaysInAnyOrderConverge(
            @ForAll("sequences") List<Step> steps, @ForAll long shuffleSeed) throws Exception {
        connector.async().flushall().get(5, TimeUnit.SECONDS);
        Map<String, Boolean> model = new HashMap<>();
        Instant clock = Instant.now();
        for (Step s : steps) {
            clock = clock.plusMillis(s.gapMs());
            ConsentEvent e = new ConsentEvent(
                    ConsentEvent.newId(),
                    clock.plusMillis(SKEW_MS[s.instance()]),
                    s.type(),
                    NUMBERS[s.number()],
                    SCOPES[s.scope()],
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    "gw-" + s.instance(),
                    "prop",
                    null);
            recorder.record(e).get(5, TimeUnit.SECONDS);
            if (s.type().effect() != 0) {
                model.put(
                        NUMBERS[s.number()] + "/" + SCOPES[s.scope()], s.type().effect() > 0);
            }
        }
        Map<String, Boolean> live = listState();
        assertEquals(model, live, "recorded one after another");

        List<ConsentEvent> recorded = new ArrayList<>();
        for (String n : NUMBERS) {
            recorded.addAll(store.history(n).toCompletableFuture().get(5, TimeUnit.SECONDS));
        }
        assertEquals(steps.size(), recorded.size());
        Random random = new Random(shuffleSeed);
        List<ConsentEvent> replay = new ArrayList<>(recorded);
        for (int i = 0; i < recorded.size() / 2; i++) {
            replay.add(recorded.get(random.nextInt(recorded.size())));
        }
        Collections.shuffle(replay, random);

        applyAll(replay);
        assertEquals(model, listState(), "replayed on top of the list");

        connector.async().flushall().get(5, TimeUnit.SECONDS);
        Collections.shuffle(replay, random);
        applyAll(replay);
        assertEquals(model, listState(), "replayed into an empty Redis");
    }

    private static void applyAll(List<ConsentEvent> events) throws Exception {
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (ConsentEvent e : events) {
            all.add(store.apply(e).toCompletableFuture());
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    }

    /** number/scope -> suppressed, for every field the list has. */
    private static Map<String, Boolean> listState() throws Exception {
        Map<String, Boolean> state = new HashMap<>();
        for (String n : NUMBERS) {
            store.entries(n)
                    .toCompletableFuture()
                    .get(5, TimeUnit.SECONDS)
                    .forEach((scope, value) -> state.put(n + "/" + scope, value > 0));
        }
        return state;
    }
}
