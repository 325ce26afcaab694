package io.optoutgw.esme;

import io.optoutgw.config.AccountConfig;
import io.optoutgw.smpp.SessionPick;
import io.optoutgw.suppression.Senders;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An ESME account at run time: its configuration, its submit rate limiter and its bound
 * sessions. Thread-safe: sessions of one account live on different event loops.
 */
public final class Account {

    // replaced together by a configuration reload (update), read per PDU
    private volatile AccountConfig config;
    private volatile IpAllowlist allowlist;
    private volatile RateLimiter rateLimiter;
    private final List<EsmeSession> sessions = new CopyOnWriteArrayList<>();
    /** Set (under this object's lock) by a reload that removed the account; {@link #register} refuses then. */
    private volatile boolean removed;

    private final AtomicInteger nextReceiver = new AtomicInteger();
    private volatile Senders.Allowed senders;

    Account(AccountConfig config) {
        this.config = config;
        this.senders = config.allowedSenders();
        this.allowlist = new IpAllowlist(config.allowedIps());
        this.rateLimiter = new RateLimiter(config.submitRate());
    }

    /**
     * Takes a reloaded configuration of this account: its senders, keywords, templates, routes,
     * categories and send-time rules apply from the next PDU on; bound sessions stay bound (their
     * window size and the bind limits apply to new binds). The submit rate limiter is replaced only
     * when the rate changed.
     */
    void update(AccountConfig updated) {
        if (!updated.systemId().equals(config.systemId())) {
            throw new IllegalArgumentException("not this account: " + updated.systemId());
        }
        this.senders = updated.allowedSenders();
        this.allowlist = new IpAllowlist(updated.allowedIps());
        if (updated.submitRate() != config.submitRate()) {
            this.rateLimiter = new RateLimiter(updated.submitRate());
        }
        this.config = updated;
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

    /** How a {@link #register} went. */
    enum Registered {
        OK,
        /** the account already has {@code maxBinds} sessions */
        FULL,
        /** a configuration reload removed the account (while the bind's password was being checked) */
        REMOVED
    }

    /** Adds a bound session unless the account already has {@code maxBinds} or was removed. */
    synchronized Registered register(EsmeSession session) {
        if (removed) {
            return Registered.REMOVED;
        }
        if (sessions.size() >= config.maxBinds()) {
            return Registered.FULL;
        }
        sessions.add(session);
        return Registered.OK;
    }

    /**
     * A configuration reload removed the account: no session registers from now on (a bind whose
     * password check began before the reload is refused); the sessions bound until now are
     * returned, for the caller to unbind.
     */
    synchronized List<EsmeSession> retire() {
        removed = true;
        return new ArrayList<>(sessions);
    }

    /** Whether a configuration reload removed the account. */
    public boolean removed() {
        return removed;
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
