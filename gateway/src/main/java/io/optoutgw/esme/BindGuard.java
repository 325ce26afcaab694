package io.optoutgw.esme;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Protects binding (docs/reliability.md, "Security" and scenario 19): a cap on connections per client
 * address, a gateway-wide bind rate (reconnect storms are answered ESME_RTHROTTLED, not queued),
 * and a lockout of an address or a system_id after repeated failed binds. A locked-out bind gets
 * ESME_RBINDFAIL like any failed one, so a guesser learns nothing. Thread-safe.
 *
 * <p>Failures are counted per (address, system_id) pair and added up per address and per
 * system_id. A successful bind takes back only its own pair's failures, so one valid account
 * does not clear an address that guesses others. Failures from an address outside an account's
 * allowlist count against the address only, never against the account. The failure table holds
 * at most {@code maxTracked} entries (least recently touched evicted first) and drops entries
 * whose window and lockout are over.
 *
 * <p>Before any PDU is read, a new connection must also fit its address's connect rate (a token
 * bucket per address, one second's worth of burst); the bucket table is bounded the same way.
 * Connections closed by these limits, and by the session's pre-bind PDU budget, are counted by
 * reason ({@link #closed(Closed)}).
 */
public final class BindGuard {

    /** Why the gateway closed a connection before it was bound. */
    public enum Closed {
        /** The address already held {@code smpp.maxConnectionsPerIp} connections. */
        CONNECTIONS_PER_IP("connections_per_ip"),
        /** The address opened connections faster than {@code smpp.connectRatePerIp}. */
        CONNECT_RATE("connect_rate"),
        /** The connection sent more than {@code smpp.preBindPduLimit} PDUs before a bind succeeded. */
        PRE_BIND_PDUS("pre_bind_pdus");

        private final String tag;

        Closed(String tag) {
            this.tag = tag;
        }

        /** The metric tag value. */
        public String tag() {
            return tag;
        }
    }

    /** Default size of the failure table. */
    public static final int DEFAULT_MAX_TRACKED = 100_000;
    /** Expired entries looked at (oldest first) per recorded failure. */
    private static final int EXPIRE_PER_CALL = 8;

    /** An address ({@code systemId} null), a system_id ({@code ip} null), or a pair of both. */
    private record Key(InetAddress ip, String systemId) {}

    private static final class Failures {
        int count;
        /** For a pair: how many of its failures were added to the system_id's count. */
        int countedForAccount;

        long windowStartNanos;
        long lockedUntilNanos;

        Failures(long now) {
            windowStartNanos = now;
        }
    }

    private final int maxConnectionsPerIp;
    private final RateLimiter bindRate;
    private final int maxFailures;
    private final long lockoutNanos;
    private final int maxTracked;
    private final Map<InetAddress, AtomicInteger> connections = new ConcurrentHashMap<>();
    private final int connectRatePerIp;
    /** Access-ordered connect-rate buckets; guarded by itself. */
    private final LinkedHashMap<InetAddress, RateLimiter> buckets = new LinkedHashMap<>(64, 0.75f, true);

    private final LongAdder[] closed = new LongAdder[Closed.values().length];
    /** Access-ordered: the eldest entry is the least recently touched. Guarded by {@code this}. */
    private final LinkedHashMap<Key, Failures> failures = new LinkedHashMap<>(64, 0.75f, true);

    public BindGuard(int maxConnectionsPerIp, int bindsPerSecond, int maxFailures, Duration lockout) {
        this(maxConnectionsPerIp, bindsPerSecond, maxFailures, lockout, DEFAULT_MAX_TRACKED, 1_000_000);
    }

    BindGuard(int maxConnectionsPerIp, int bindsPerSecond, int maxFailures, Duration lockout, int maxTracked) {
        this(maxConnectionsPerIp, bindsPerSecond, maxFailures, lockout, maxTracked, 1_000_000);
    }

    /**
     * @param maxTracked       size of the failure table and of the connect-rate table
     * @param connectRatePerIp new connections per second per address
     */
    public BindGuard(
            int maxConnectionsPerIp,
            int bindsPerSecond,
            int maxFailures,
            Duration lockout,
            int maxTracked,
            int connectRatePerIp) {
        for (int i = 0; i < closed.length; i++) {
            closed[i] = new LongAdder();
        }
        this.connectRatePerIp = connectRatePerIp;
        this.maxConnectionsPerIp = maxConnectionsPerIp;
        this.bindRate = new RateLimiter(bindsPerSecond);
        this.maxFailures = maxFailures;
        this.lockoutNanos = lockout.toNanos();
        this.maxTracked = maxTracked;
    }

    /** Counts a new connection; false when the address already has its maximum (close it). */
    public boolean connectionOpened(InetAddress ip) {
        return open(ip) == null;
    }

    /**
     * Admits a new connection: {@code null} when it may stay (then {@link #connectionClosed} must
     * follow when it goes), otherwise why it must be closed at once (counted).
     */
    public Closed open(InetAddress ip) {
        if (ip == null) {
            return null;
        }
        if (!connectToken(ip)) {
            return count(Closed.CONNECT_RATE);
        }
        AtomicInteger n = connections.computeIfAbsent(ip, k -> new AtomicInteger());
        if (n.incrementAndGet() > maxConnectionsPerIp) {
            n.decrementAndGet();
            return count(Closed.CONNECTIONS_PER_IP);
        }
        return null;
    }

    /** Counts a connection closed for {@code why}; returns it. */
    public Closed count(Closed why) {
        closed[why.ordinal()].increment();
        return why;
    }

    /** Connections closed for {@code why} since start. */
    public long closed(Closed why) {
        return closed[why.ordinal()].sum();
    }

    /** Takes one token from the address's connect-rate bucket. */
    private boolean connectToken(InetAddress ip) {
        RateLimiter b;
        synchronized (buckets) {
            b = buckets.get(ip);
            if (b == null) {
                trimBuckets(); // before the new one goes in: it is idle too
                b = new RateLimiter(connectRatePerIp);
                buckets.put(ip, b);
            }
        }
        return b.tryAcquire();
    }

    /** Drops idle (refilled) buckets among the least recently used, and the eldest over the cap. */
    private void trimBuckets() {
        Iterator<RateLimiter> it = buckets.values().iterator();
        for (int i = 0; i < EXPIRE_PER_CALL && it.hasNext(); i++) {
            if (it.next().idle()) {
                it.remove();
            }
        }
        while (buckets.size() >= maxTracked) {
            Iterator<InetAddress> eldest = buckets.keySet().iterator();
            eldest.next();
            eldest.remove();
        }
    }

    /** Entries in the connect-rate table (for tests). */
    int trackedBuckets() {
        synchronized (buckets) {
            return buckets.size();
        }
    }

    public void connectionClosed(InetAddress ip) {
        if (ip == null) {
            return;
        }
        connections.computeIfPresent(ip, (k, n) -> n.decrementAndGet() <= 0 ? null : n);
    }

    /** Takes a bind token; false when binds arrive faster than the configured rate. */
    public boolean tryBind() {
        return bindRate.tryAcquire();
    }

    /** Whether binds from {@code ip} or for {@code systemId} are locked out now. */
    public synchronized boolean lockedOut(InetAddress ip, String systemId) {
        long now = System.nanoTime();
        return (ip != null && locked(new Key(ip, null), now)) || locked(new Key(null, id(systemId)), now);
    }

    private boolean locked(Key key, long now) {
        Failures f = failures.get(key);
        return f != null && f.lockedUntilNanos != 0 && now - f.lockedUntilNanos < 0;
    }

    /**
     * A bind with bad credentials. {@code countsAgainstAccount} is false when {@code ip} is
     * outside the account's allowlist: then only the address is counted.
     */
    public synchronized void bindFailed(InetAddress ip, String systemId, boolean countsAgainstAccount) {
        long now = System.nanoTime();
        String id = id(systemId);
        if (ip != null) {
            Failures pair = current(new Key(ip, id), now);
            pair.count++;
            if (countsAgainstAccount) {
                pair.countedForAccount++;
            }
            add(new Key(ip, null), now);
        }
        if (countsAgainstAccount) {
            add(new Key(null, id), now);
        }
        expire(now);
    }

    /** A successful bind: takes back this (address, system_id) pair's failures, and only those. */
    public synchronized void bindSucceeded(InetAddress ip, String systemId) {
        if (ip == null) {
            return;
        }
        long now = System.nanoTime();
        String id = id(systemId);
        Failures pair = failures.remove(new Key(ip, id));
        if (pair == null || expired(pair, now)) {
            return;
        }
        subtract(new Key(ip, null), pair.count);
        subtract(new Key(null, id), pair.countedForAccount);
    }

    /** Entries in the failure table (for tests). */
    synchronized int trackedEntries() {
        return failures.size();
    }

    private void add(Key key, long now) {
        Failures f = current(key, now);
        f.count++;
        if (f.count >= maxFailures) {
            f.lockedUntilNanos = now + lockoutNanos;
        }
    }

    private void subtract(Key key, int n) {
        Failures f = failures.get(key);
        if (f != null && n > 0) {
            f.count = Math.max(0, f.count - n);
        }
    }

    /** The entry for {@code key} in its current window (a fresh one when there is none or it ended). */
    private Failures current(Key key, long now) {
        Failures f = failures.get(key);
        if (f == null || (now - f.windowStartNanos > lockoutNanos && !lockedAt(f, now))) {
            f = new Failures(now);
            failures.put(key, f);
            while (failures.size() > maxTracked) {
                Iterator<Map.Entry<Key, Failures>> eldest = failures.entrySet().iterator();
                eldest.next();
                eldest.remove();
            }
        }
        return f;
    }

    /** Drops a few of the least recently touched entries whose window and lockout are over. */
    private void expire(long now) {
        Iterator<Failures> it = failures.values().iterator();
        for (int i = 0; i < EXPIRE_PER_CALL && it.hasNext(); i++) {
            if (expired(it.next(), now)) {
                it.remove();
            }
        }
    }

    private boolean expired(Failures f, long now) {
        return now - f.windowStartNanos > lockoutNanos && !lockedAt(f, now);
    }

    private static boolean lockedAt(Failures f, long now) {
        return f.lockedUntilNanos != 0 && now - f.lockedUntilNanos < 0;
    }

    private static String id(String systemId) {
        return systemId == null ? "" : systemId;
    }
}
