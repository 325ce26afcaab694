package io.optoutgw.feed;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.NumberKeys;
import io.optoutgw.suppression.RedisKeys;
import io.optoutgw.suppression.evidence.Checkpoint;
import io.optoutgw.suppression.journal.OptOutJournal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consent event feed: every consent event this instance journals is published, in journal
 * order, to one Redis Stream that all instances share ({@link RedisKeys#feedStream()}), from
 * which {@code GET /api/events} reads and webhooks deliver.
 *
 * <p>The journal is the outbox. A publisher pass reads the journal after the last sequence this
 * instance published ({@link RedisKeys#feedPublished(String)}) and appends to the stream with one
 * script per batch that also moves that marker, so an entry is in the stream once, and every
 * entry journaled is published sooner or later, whatever crashed in between: the gateway after
 * journaling, Redis before the stream was written, or the network. When Redis loses the stream
 * and the marker, the journal is published again from the start (a consumer sees events it has
 * seen before; event ids tell them apart). Journal compaction is held back until the feed has
 * published what it would drop ({@link #published()}).
 *
 * <p>The stream is capped at about {@code maxLength} entries (MAXLEN ~): a consumer that falls
 * further behind resumes at the oldest entry kept.
 */
public final class EventFeed {

    private static final Logger log = LoggerFactory.getLogger(EventFeed.class);

    /** Entries one publish script carries. */
    static final int BATCH = 256;

    /** A stream entry id: milliseconds, '-', a sequence. */
    private static final Pattern CURSOR = Pattern.compile("\\d{1,20}-\\d{1,20}");

    /**
     * KEYS: stream, marker. ARGV: maxlen, instance, then (sequence, event JSON) pairs in order.
     * Appends each entry whose sequence is above the marker (an empty JSON only moves the marker:
     * a journal record that is no consent event), then moves the marker; returns the marker and the
     * number appended.
     */
    private static final String PUBLISH = """
            local cur = tonumber(redis.call('GET', KEYS[2]) or '0')
            local n = 0
            for i = 3, #ARGV, 2 do
              local seq = tonumber(ARGV[i])
              if seq > cur then
                if ARGV[i + 1] ~= '' then
                  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'i', ARGV[2], 's', ARGV[i], 'e', ARGV[i + 1])
                  n = n + 1
                end
                cur = seq
              end
            end
            redis.call('SET', KEYS[2], cur)
            return {cur, n}
            """;

    private final OptOutJournal journal;
    private final RedisClusterAsyncCommands<String, String> redis;
    private final String instanceId;
    private final long maxLength;
    private final long timeoutMillis;
    private final String stream = RedisKeys.feedStream();
    private final String marker;
    /** The last sequence known to be in the stream; -1 until read from Redis. */
    private final AtomicLong published = new AtomicLong(-1);

    private final LongAdder publishedEntries = new LongAdder();

    public EventFeed(
            OptOutJournal journal,
            RedisClusterAsyncCommands<String, String> redis,
            String instanceId,
            long maxLength,
            Duration timeout) {
        this.journal = journal;
        this.redis = redis;
        this.instanceId = instanceId;
        this.maxLength = maxLength;
        this.timeoutMillis = timeout.toMillis();
        this.marker = RedisKeys.feedPublished(instanceId);
    }

    /**
     * The last journal sequence this instance has published, or -1 before the first pass: the
     * journal may be compacted up to it.
     */
    public long published() {
        return published.get();
    }

    /** Entries appended to the stream by this instance since start. */
    public long publishedEntries() {
        return publishedEntries.sum();
    }

    /** Journal entries not yet published (0 before the first pass, which learns where the feed stands). */
    public long backlog() {
        long p = published.get();
        return p < 0 ? 0 : Math.max(0, journal.lastSequence() - p);
    }

    /**
     * One publisher pass: everything journaled after the marker goes to the stream. Blocking; runs
     * on the reconciler's thread. Returns the number of entries appended.
     */
    public int publish() throws Exception {
        long from = published.get();
        if (from < 0) {
            String m = redis.get(marker).toCompletableFuture().get(timeoutMillis, TimeUnit.MILLISECONDS);
            from = m == null ? 0 : Long.parseLong(m);
            if (from > journal.lastSequence()) {
                log.warn(
                        "event feed marker {} is ahead of the journal ({}): another journal was used before;"
                                + " publishing it all",
                        from,
                        journal.lastSequence());
                from = 0;
            }
            published.set(from);
        } else {
            String m = redis.get(marker).toCompletableFuture().get(timeoutMillis, TimeUnit.MILLISECONDS);
            if (m == null && from > 0) {
                log.warn(
                        "event feed marker of {} missing from Redis (it lost data): publishing the journal again",
                        instanceId);
                from = 0;
                published.set(0);
            }
        }
        if (from >= journal.lastSequence()) {
            return 0;
        }
        List<String> batch = new ArrayList<>();
        int[] appended = {0};
        journal.replay(from, (seq, payload) -> {
            batch.add(Long.toString(seq));
            // a checkpoint of the hash chain is no consent event: the marker passes it, the stream does not get it
            batch.add(Checkpoint.isCheckpoint(payload) ? "" : entry(payload));
            if (batch.size() >= 2 * BATCH) {
                appended[0] += flush(batch);
            }
        });
        if (!batch.isEmpty()) {
            appended[0] += flush(batch);
        }
        return appended[0];
    }

    private volatile NumberKeys keys = NumberKeys.CLEAR;

    /**
     * In privacy mode {@code hmac} the stream carries each event {@linkplain ConsentEvent#redacted redacted}
     * (the number's key, no text): docs/privacy.md.
     */
    public void numberKeys(NumberKeys keys) {
        this.keys = keys;
    }

    private String entry(byte[] payload) {
        NumberKeys k = keys;
        if (!k.hashed()) {
            return new String(payload, StandardCharsets.UTF_8);
        }
        try {
            ConsentEvent e = ConsentEvent.fromJson(payload);
            return e.redacted(k.of(e.number())).toJsonString();
        } catch (RuntimeException notAnEvent) {
            return "";
        }
    }

    private int flush(List<String> batch) throws Exception {
        String[] args = new String[batch.size() + 2];
        args[0] = Long.toString(maxLength);
        args[1] = instanceId;
        for (int i = 0; i < batch.size(); i++) {
            args[i + 2] = batch.get(i);
        }
        List<Object> r = redis.<List<Object>>eval(PUBLISH, ScriptOutputType.MULTI, new String[] {stream, marker}, args)
                .toCompletableFuture()
                .get(timeoutMillis, TimeUnit.MILLISECONDS);
        batch.clear();
        published.set((Long) r.get(0));
        int n = ((Long) r.get(1)).intValue();
        publishedEntries.add(n);
        return n;
    }

    /** One page of the feed. */
    public record Page(List<Entry> events, String cursor, boolean more) {}

    /** One entry: its stream id (the cursor to resume after it) and the event. */
    public record Entry(String cursor, ConsentEvent event) {}

    /**
     * Up to {@code limit} events after {@code after} (exclusive; {@code null}: from the oldest kept).
     * The returned cursor is the last entry's, or {@code after} when there is none yet.
     */
    public Page read(String after, int limit) throws Exception {
        if (after != null && !CURSOR.matcher(after).matches()) {
            throw new IllegalArgumentException(
                    "after must be a cursor from an earlier page (like 1764700000000-0), got '"
                            + (after.length() > 40 ? after.substring(0, 40) + "..." : after) + "'");
        }
        Range<String> range = after == null
                ? Range.create("-", "+")
                : Range.from(Range.Boundary.excluding(after), Range.Boundary.unbounded());
        List<StreamMessage<String, String>> messages = redis.xrange(stream, range, Limit.from(limit))
                .toCompletableFuture()
                .get(timeoutMillis, TimeUnit.MILLISECONDS);
        List<Entry> events = new ArrayList<>(messages.size());
        String cursor = after;
        for (StreamMessage<String, String> m : messages) {
            String json = m.getBody().get("e");
            if (json != null) {
                events.add(new Entry(m.getId(), ConsentEvent.fromJson(json.getBytes(StandardCharsets.UTF_8))));
            }
            cursor = m.getId();
        }
        return new Page(events, cursor, messages.size() == limit);
    }
}
