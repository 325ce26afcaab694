package io.optoutgw.esme;

import io.optoutgw.config.AccountConfig;
import io.optoutgw.smpp.BindType;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
        LOCKED_OUT
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

    private final Map<String, Account> bySystemId = new LinkedHashMap<>();
    private final Map<String, Account> byNumber = new HashMap<>();
    private final Map<String, PasswordHash.Credential> credentials = new HashMap<>();
    /**
     * Iterations every password check costs, whatever the account and whether it exists: the
     * largest count among the configured hashes (at least the default). Plain text passwords are
     * hashed with it at load time and cheaper hashes are topped up to it, so the time a bind
     * takes does not tell which system_ids exist or how their passwords are configured.
     */
    private final int checkIterations;

    private final PasswordHash.Credential dummy;

    public AccountRegistry(Iterable<AccountConfig> accounts) {
        int iterations = PasswordHash.DEFAULT_ITERATIONS;
        for (AccountConfig config : accounts) {
            if (config.password().startsWith(PasswordHash.PREFIX)) {
                iterations = Math.max(iterations, credential(config, 0).iterations());
            }
        }
        this.checkIterations = iterations;
        this.dummy = PasswordHash.Credential.of("not-a-real-password", checkIterations);
        for (AccountConfig config : accounts) {
            Account account = new Account(config);
            bySystemId.put(config.systemId(), account);
            credentials.put(config.systemId(), credential(config, checkIterations));
            for (String number : config.numbers()) {
                Account previous = byNumber.put(normalize(number), account);
                if (previous != null) {
                    throw new IllegalArgumentException("accounts: number " + number + " is owned by both "
                            + previous.systemId() + " and " + config.systemId());
                }
            }
        }
    }

    private static PasswordHash.Credential credential(AccountConfig config, int plainIterations) {
        try {
            return PasswordHash.Credential.of(config.password(), plainIterations);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("accounts[" + config.systemId() + "].password: " + e.getMessage());
        }
    }

    public Account account(String systemId) {
        return bySystemId.get(systemId);
    }

    public Iterable<Account> accounts() {
        return bySystemId.values();
    }

    /**
     * Checks credentials, source address and bind type. Costs {@link #checkIterations} PBKDF2
     * iterations whatever the outcome, so call it off the event loop.
     */
    public BindResult authenticate(String systemId, String password, InetAddress remote, BindType type) {
        Account account = systemId == null ? null : bySystemId.get(systemId);
        // Verify against a dummy hash for unknown users, so both failures cost the same.
        PasswordHash.Credential credential = account == null ? dummy : credentials.get(systemId);
        boolean passwordOk = credential.matches(password);
        PasswordHash.burn(checkIterations - credential.iterations());
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
        return checkIterations;
    }

    /** The account owning short code / number {@code address}, or {@code null}. */
    public Account ownerOf(String address) {
        return address == null ? null : byNumber.get(normalize(address));
    }

    private static String normalize(String number) {
        String n = number.trim();
        return n.startsWith("+") ? n.substring(1) : n;
    }
}
