package io.optoutgw.session;

import io.optoutgw.config.AccountConfig;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An ESME account at run time: its configuration, its submit rate limiter and its bound
 * sessions. Thread-safe: sessions of one account live on different event loops.
 */
public final class Account {

    private final AccountConfig config;
    private final IpAllowlist allowlist;
    private final RateLimiter rateLimiter;
    private final List<EsmeSession> sessions = new CopyOnWriteArrayList<>();
    private final AtomicInteger nextReceiver = new AtomicInteger();

    Account(AccountConfig config) {
        this.config = config;
        this.allowlist = new IpAllowlist(config.allowedIps());
        this.rateLimiter = new RateLimiter(config.submitRate());
    }

    public String systemId() {
        return config.systemId();
    }

    public AccountConfig config() {
        return config;
    }

    IpAllowlist allowlist() {
        return allowlist;
    }

    RateLimiter rateLimiter() {
        return rateLimiter;
    }

    /** Adds a bound session unless the account already has {@code maxBinds}. */
    synchronized boolean register(EsmeSession session) {
        if (sessions.size() >= config.maxBinds()) {
            return false;
        }
        sessions.add(session);
        return true;
    }

    void unregister(EsmeSession session) {
        sessions.remove(session);
    }

    public List<EsmeSession> sessions() {
        return sessions;
    }

    /**
     * A bound receiver or transceiver session that can take a deliver_sm now, round-robin, or
     * {@code null} when none can.
     */
    public EsmeSession receiver() {
        List<EsmeSession> snapshot = sessions;
        int n = snapshot.size();
        if (n == 0) {
            return null;
        }
        int start = Math.floorMod(nextReceiver.getAndIncrement(), n);
        for (int i = 0; i < n; i++) {
            EsmeSession s;
            try {
                s = snapshot.get((start + i) % n);
            } catch (IndexOutOfBoundsException raced) {
                return null;
            }
            if (s.canReceive()) {
                return s;
            }
        }
        return null;
    }
}
