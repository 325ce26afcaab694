package io.optoutgw.esme;

import io.optoutgw.config.AccountConfig;
import io.optoutgw.smpp.SessionPick;
import io.optoutgw.suppression.Senders;
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
    private final Senders.Allowed senders;

    Account(AccountConfig config) {
        this.config = config;
        this.senders = config.allowedSenders();
        this.allowlist = new IpAllowlist(config.allowedIps());
        this.rateLimiter = new RateLimiter(config.submitRate());
    }

    /** {@link AccountConfig#senderTag}. */
    public String senderTag(String sender) {
        return config.senderTag(sender);
    }

    /** Whether {@code canonicalSender} ({@link AccountConfig#sender}) is one this account may submit with. */
    public boolean isOwnSender(String canonicalSender) {
        return senders.allows(canonicalSender);
    }

    /** Requests of this account's sessions awaiting an answer (a gauge; read without locking). */
    public int inFlight() {
        int sum = 0;
        for (EsmeSession s : sessions) {
            sum += s.inFlight();
        }
        return sum;
    }

    /** deliver_sm waiting for a free window slot, over all sessions. */
    public int deliveriesWaiting() {
        int sum = 0;
        for (EsmeSession s : sessions) {
            sum += s.deliveriesWaiting();
        }
        return sum;
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
     * A bound receiver or transceiver session for a deliver_sm: the one with the most free window
     * slots, preferring sessions on the calling thread's event loop (no hand-off to another
     * thread); a session with a full window only when none has room (the deliver_sm then waits
     * there for a slot); {@code null} when no session can receive.
     */
    public EsmeSession receiver() {
        List<EsmeSession> snapshot = sessions;
        if (snapshot.isEmpty()) {
            return null;
        }
        return SessionPick.mostRoom(
                snapshot,
                nextReceiver.getAndIncrement(),
                s -> s.canReceive() ? s.deliverRoom() : 0,
                EsmeSession::onThisLoop,
                EsmeSession::canReceive);
    }
}
