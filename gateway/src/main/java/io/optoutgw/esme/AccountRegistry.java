package io.optoutgw.esme;

import io.optoutgw.config.AccountConfig;
import io.optoutgw.smpp.BindType;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * All ESME accounts: bind authentication and the owner of each short code or number (for MO
 * routing). Unknown user and wrong password fail the same way and cost the same number of
 * PBKDF2 iterations.
 */
public final class AccountRegistry {

    /** Outcome of a bind attempt; everything but OK is answered with ESME_RBINDFAIL. */
    public enum BindOutcome {
        OK,
        BAD_CREDENTIALS,
        IP_NOT_ALLOWED,
        BIND_TYPE_NOT_ALLOWED,
        TOO_MANY_BINDS,
        LOCKED_OUT,
        /** the password was right, but a configuration reload removed the account meanwhile */
        ACCOUNT_REMOVED
    }

    /**
     * Result of {@link #authenticate}: the account only when the outcome is OK.
     * {@code countsAgainstAccount} says whether a failure may count towards the lockout of the
     * system_id: not when the address is outside the account's allowlist, so nobody outside it
     * can lock a customer out.
     */
    public record BindResult(BindOutcome outcome, Account account, boolean countsAgainstAccount) {
        public BindResult(BindOutcome outcome, Account account) {
            this(outcome, account, true);
        }
    }

    /**
     * The accounts in force: replaced whole by a configuration reload ({@link #apply}), read once
     * per bind or MO.
     */
    private volatile State state;

    /**
     * One set of accounts. {@code checkIterations}: what every password check costs, whatever the
     * account and whether it exists: the largest count among the configured hashes (at least the
     * default). Plain text passwords are hashed with it at load time and cheaper hashes are topped
     * up to it, so the time a bind takes does not tell which system_ids exist or how their
     * passwords are configured.
     */
    private record State(
            Map<String, Account> bySystemId,
            Map<String, Account> byNumber,
            Map<String, PasswordHash.Credential> credentials,
            int checkIterations,
            PasswordHash.Credential dummy) {}

    /** Accounts read and checked ({@link #prepare}), not yet in force. */
    public static final class Prepared {
        private final List<AccountConfig> configs;
        private final State state;

        private Prepared(List<AccountConfig> configs, State state) {
            this.configs = configs;
            this.state = state;
        }
    }

    /**
     * What {@link #apply} changed: system_ids added, changed and removed (their accounts), and the
     * sessions that were bound to the removed accounts (for the caller to unbind).
     */
    public record Applied(
            List<String> added, List<String> changed, List<Account> removed, List<EsmeSession> removedSessions) {}

    public AccountRegistry(Iterable<AccountConfig> accounts) {
        this.state = prepare(accounts).state;
    }

    /**
     * Builds and checks a set of accounts (password forms, numbers owned twice) without putting it
     * in force; IllegalArgumentException naming the account. Costs a PBKDF2 hash per plain password.
     */
    public static Prepared prepare(Iterable<AccountConfig> accounts) {
        int iterations = PasswordHash.DEFAULT_ITERATIONS;
        for (AccountConfig config : accounts) {
            if (config.password().startsWith(PasswordHash.PREFIX)) {
                iterations = Math.max(iterations, credential(config, 0).iterations());
            }
        }
        Map<String, Account> bySystemId = new LinkedHashMap<>();
        Map<String, Account> byNumber = new HashMap<>();
        Map<String, PasswordHash.Credential> credentials = new HashMap<>();
        List<AccountConfig> configs = new ArrayList<>();
        for (AccountConfig config : accounts) {
            configs.add(config);
            Account account = new Account(config);
            bySystemId.put(config.systemId(), account);
            credentials.put(config.systemId(), credential(config, iterations));
            for (String number : config.numbers()) {
                Account previous = byNumber.put(normalize(number), account);
                if (previous != null) {
                    throw new IllegalArgumentException("accounts: number " + number + " is owned by both "
                            + previous.systemId() + " and " + config.systemId());
                }
            }
        }
        return new Prepared(
                List.copyOf(configs),
                new State(
                        bySystemId,
                        byNumber,
                        credentials,
                        iterations,
                        PasswordHash.Credential.of("not-a-real-password", iterations)));
    }

    /**
     * Puts reloaded accounts in force at once. An account that stays keeps its run-time object
     * (its bound sessions, which stay bound) with the new configuration; a new one can bind from
     * now on; a removed one is no longer found (its bound sessions are the caller's to unbind).
     */
    public synchronized Applied apply(Prepared next) {
        State old = state;
        Map<String, Account> bySystemId = new LinkedHashMap<>();
        List<String> added = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        for (AccountConfig config : next.configs) {
            Account existing = old.bySystemId().get(config.systemId());
            if (existing == null) {
                bySystemId.put(config.systemId(), next.state.bySystemId().get(config.systemId()));
                added.add(config.systemId());
            } else {
                if (!existing.config().equals(config)) {
                    existing.update(config);
                    changed.add(config.systemId());
                }
                bySystemId.put(config.systemId(), existing);
            }
        }
        Map<String, Account> byNumber = new HashMap<>();
        next.state.byNumber().forEach((number, a) -> byNumber.put(number, bySystemId.get(a.systemId())));
        List<Account> removed = new ArrayList<>();
        for (Account a : old.bySystemId().values()) {
            if (!bySystemId.containsKey(a.systemId())) {
                removed.add(a);
            }
        }
        state = new State(
                bySystemId, byNumber, next.state.credentials(), next.state.checkIterations(), next.state.dummy());
        // retired after the new state is in force: a bind whose password was checked against the
        // old state registers before this (and is unbound with the others) or is refused after it
        List<EsmeSession> removedSessions = new ArrayList<>();
        for (Account a : removed) {
            removedSessions.addAll(a.retire());
        }
        return new Applied(
                List.copyOf(added),
                List.copyOf(changed),
                List.copyOf(removed),
                Collections.unmodifiableList(removedSessions));
    }

    private static PasswordHash.Credential credential(AccountConfig config, int plainIterations) {
        try {
            return PasswordHash.Credential.of(config.password(), plainIterations);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("accounts[" + config.systemId() + "].password: " + e.getMessage());
        }
    }

    public Account account(String systemId) {
        return state.bySystemId().get(systemId);
    }

    public Iterable<Account> accounts() {
        return state.bySystemId().values();
    }

    /**
     * Checks credentials, source address and bind type. Costs {@link #checkIterations} PBKDF2
     * iterations whatever the outcome, so call it off the event loop.
     */
    public BindResult authenticate(String systemId, String password, InetAddress remote, BindType type) {
        State s = state;
        Account account = systemId == null ? null : s.bySystemId().get(systemId);
        // Verify against a dummy hash for unknown users, so both failures cost the same.
        PasswordHash.Credential credential =
                account == null ? s.dummy() : s.credentials().get(systemId);
        boolean passwordOk = credential.matches(password);
        PasswordHash.burn(s.checkIterations() - credential.iterations());
        if (account == null || !passwordOk) {
            return new BindResult(
                    BindOutcome.BAD_CREDENTIALS,
                    null,
                    account == null || account.allowlist().allows(remote));
        }
        if (!account.allowlist().allows(remote)) {
            return new BindResult(BindOutcome.IP_NOT_ALLOWED, null, false);
        }
        if (!account.config().bindTypes().contains(type)) {
            return new BindResult(BindOutcome.BIND_TYPE_NOT_ALLOWED, null);
        }
        return new BindResult(BindOutcome.OK, account);
    }

    /** PBKDF2 iterations one password check costs. */
    int checkIterations() {
        return state.checkIterations();
    }

    /** The account owning short code / number {@code address}, or {@code null}. */
    public Account ownerOf(String address) {
        return address == null ? null : state.byNumber().get(normalize(address));
    }

    private static String normalize(String number) {
        String n = number.trim();
        return n.startsWith("+") ? n.substring(1) : n;
    }
}
