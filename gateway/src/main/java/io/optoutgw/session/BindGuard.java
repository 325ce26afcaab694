package io.optoutgw.session;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Protects binding (reliability.md, "Security" and scenario 19): a cap on connections per client
 * address, a gateway-wide bind rate (reconnect storms are answered ESME_RTHROTTLED, not queued),
 * and a lockout of an address or a system_id after repeated failed binds. A locked-out bind gets
 * ESME_RBINDFAIL like any failed one, so a guesser learns nothing. Thread-safe.
 */
public final class BindGuard {

    private record Failures(int count, long windowStartNanos, long lockedUntilNanos) {
    }

    private final int maxConnectionsPerIp;
    private final RateLimiter bindRate;
    private final int maxFailures;
    private final long lockoutNanos;
    private final Map<InetAddress, AtomicInteger> connections = new ConcurrentHashMap<>();
    private final Map<Object, Failures> failures = new ConcurrentHashMap<>();

    public BindGuard(int maxConnectionsPerIp, int bindsPerSecond, int maxFailures, Duration lockout) {
        this.maxConnectionsPerIp = maxConnectionsPerIp;
        this.bindRate = new RateLimiter(bindsPerSecond);
        this.maxFailures = maxFailures;
        this.lockoutNanos = lockout.toNanos();
    }

    /** Counts a new connection; false when the address already has its maximum (close it). */
    public boolean connectionOpened(InetAddress ip) {
        if (ip == null) {
            return true;
        }
        AtomicInteger n = connections.computeIfAbsent(ip, k -> new AtomicInteger());
        if (n.incrementAndGet() > maxConnectionsPerIp) {
            n.decrementAndGet();
            return false;
        }
        return true;
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
    public boolean lockedOut(InetAddress ip, String systemId) {
        long now = System.nanoTime();
        return locked(ip, now) || locked(accountKey(systemId), now);
    }

    private boolean locked(Object key, long now) {
        if (key == null) {
            return false;
        }
        Failures f = failures.get(key);
        return f != null && f.lockedUntilNanos != 0 && now - f.lockedUntilNanos < 0;
    }

    public void bindFailed(InetAddress ip, String systemId) {
        long now = System.nanoTime();
        record(ip, now);
        record(accountKey(systemId), now);
    }

    public void bindSucceeded(InetAddress ip, String systemId) {
        if (ip != null) {
            failures.remove(ip);
        }
        failures.remove(accountKey(systemId));
    }

    private void record(Object key, long now) {
        if (key == null) {
            return;
        }
        failures.compute(key, (k, f) -> {
            if (f == null || now - f.windowStartNanos > lockoutNanos) {
                f = new Failures(0, now, 0);
            }
            int count = f.count + 1;
            return new Failures(count, f.windowStartNanos, count >= maxFailures ? now + lockoutNanos : f.lockedUntilNanos);
        });
    }

    private static Object accountKey(String systemId) {
        return systemId == null ? null : "account:" + systemId;
    }
}
