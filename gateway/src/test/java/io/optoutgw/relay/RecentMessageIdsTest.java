package io.optoutgw.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The primitive table of recent message-id mappings: exact hits, misses, and racing loops. */
class RecentMessageIdsTest {

    @Test
    void aMappingIsFoundOnlyForItsOwnUpstreamAndId() {
        RecentMessageIds t = new RecentMessageIds(1024);
        t.put("smsc-a", "5f3a9c01", "acme");
        t.put("smsc-b", "5f3a9c01", "globex");
        assertEquals("acme", t.get("smsc-a", "5f3a9c01"));
        assertEquals("globex", t.get("smsc-b", "5f3a9c01"));
        assertNull(t.get("smsc-a", "5f3a9c02"));
        assertNull(t.get("smsc-a", "5f3a9c0"), "a prefix is another id");
        assertNull(t.get("smsc-a", "5f3a9c011"));
        assertNull(t.get("smsc-c", "5f3a9c01"), "an upstream never seen");
    }

    @Test
    void idsTooLongOrBeyondLatin1AreNotKept() {
        RecentMessageIds t = new RecentMessageIds(1024);
        String longest = "x".repeat(RecentMessageIds.MAX_ID);
        t.put("u", longest, "a");
        assertEquals("a", t.get("u", longest));
        String tooLong = "x".repeat(RecentMessageIds.MAX_ID + 1);
        t.put("u", tooLong, "a");
        assertNull(t.get("u", tooLong));
        t.put("u", "id-\u00e9", "latin1");
        assertEquals("latin1", t.get("u", "id-\u00e9"));
        t.put("u", "id-\u20ac", "euro");
        assertNull(t.get("u", "id-\u20ac"));
        assertNull(t.get("u", "id-\u00ac"), "U+20AC is not kept as its low byte");
    }

    @Test
    void aFullTableKeepsTheNewestAndAnswersEveryKeptIdRight() {
        RecentMessageIds t = new RecentMessageIds(4096);
        int n = 50_000;
        for (int i = 0; i < n; i++) {
            t.put("u", Integer.toHexString(i), "acct" + (i % 7));
        }
        int hits = 0;
        for (int i = 0; i < n; i++) {
            String a = t.get("u", Integer.toHexString(i));
            if (a != null) {
                assertEquals("acct" + (i % 7), a, "id " + i);
                hits++;
            }
        }
        assertTrue(hits > 1000 && hits <= 4096, "about a table's worth kept: " + hits);
        int lastHits = 0;
        for (int i = n - 500; i < n; i++) {
            if (t.get("u", Integer.toHexString(i)) != null) {
                lastHits++;
            }
        }
        assertTrue(lastHits > 400, "the newest mostly kept: " + lastHits + " of 500");
    }

    @Test
    void capacityIsAPowerOfTwo() {
        assertThrows(IllegalArgumentException.class, () -> new RecentMessageIds(1000));
    }

    /**
     * Writers on several threads fill a small table (so slots are overwritten all the time) while
     * readers look ids up; the account of an id is a function of it, so any hit can be checked.
     */
    @Test
    @Timeout(60)
    void racingWritersAndReadersNeverSeeAWrongOrTornMapping() throws Exception {
        RecentMessageIds t = new RecentMessageIds(256);
        int writers = 3;
        int readers = 3;
        long perWriter = 300_000;
        AtomicReference<String> wrong = new AtomicReference<>();
        AtomicLong hits = new AtomicLong();
        AtomicLong progress = new AtomicLong();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int id = w;
            threads.add(new Thread(() -> {
                await(start);
                for (long i = 0; i < perWriter; i++) {
                    long k = i * writers + id;
                    t.put("up" + (k % 3), idOf(k), accountOf(k));
                    if (id == 0 && (i & 63) == 0) {
                        progress.set(k);
                    }
                }
            }));
        }
        for (int r = 0; r < readers; r++) {
            int seed = r;
            threads.add(new Thread(() -> {
                await(start);
                SplittableRandom rnd = new SplittableRandom(seed);
                for (int i = 0; i < 600_000 && wrong.get() == null; i++) {
                    // ids written lately, most of them still (or just no longer) in the table
                    long k = Math.max(0, progress.get() - rnd.nextLong(400));
                    String a = t.get("up" + (k % 3), idOf(k));
                    if (a != null) {
                        hits.incrementAndGet();
                        if (!a.equals(accountOf(k))) {
                            wrong.set("id " + k + " -> " + a + ", expected " + accountOf(k));
                        }
                    }
                }
            }));
        }
        threads.forEach(Thread::start);
        start.countDown();
        for (Thread th : threads) {
            th.join();
        }
        assertNull(wrong.get());
        assertTrue(hits.get() > 0, "some lookups hit");
    }

    /** Ids of varied length that share prefixes, so that a torn slot would look like another id. */
    private static String idOf(long k) {
        return "mid" + Long.toString(k, 7);
    }

    private static String accountOf(long k) {
        return "acct-" + (k * 2654435761L % 97);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
