package io.optoutgw.session;

import io.optoutgw.config.AccountConfig;
import io.optoutgw.config.AccountConfig.BindType;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * All ESME accounts: bind authentication and the owner of each short code or number (for MO
 * routing). Unknown user and wrong password fail the same way and take the same time.
 */
public final class AccountRegistry {

    /** Outcome of a bind attempt; everything but OK is answered with ESME_RBINDFAIL. */
    public enum BindOutcome { OK, BAD_CREDENTIALS, IP_NOT_ALLOWED, BIND_TYPE_NOT_ALLOWED, TOO_MANY_BINDS, LOCKED_OUT }

    /** Result of {@link #authenticate}: the account only when the outcome is OK. */
    public record BindResult(BindOutcome outcome, Account account) {
    }

    private static final String DUMMY_SECRET = PasswordHash.hash("not-a-real-password");

    private final Map<String, Account> bySystemId = new LinkedHashMap<>();
    private final Map<String, Account> byNumber = new HashMap<>();

    public AccountRegistry(Iterable<AccountConfig> accounts) {
        for (AccountConfig config : accounts) {
            Account account = new Account(config);
            bySystemId.put(config.systemId(), account);
            for (String number : config.numbers()) {
                Account previous = byNumber.put(normalize(number), account);
                if (previous != null) {
                    throw new IllegalArgumentException("accounts: number " + number + " is owned by both "
                            + previous.systemId() + " and " + config.systemId());
                }
            }
        }
    }

    public Account account(String systemId) {
        return bySystemId.get(systemId);
    }

    public Iterable<Account> accounts() {
        return bySystemId.values();
    }

    /** Checks credentials, source address and bind type. */
    public BindResult authenticate(String systemId, String password, InetAddress remote, BindType type) {
        Account account = systemId == null ? null : bySystemId.get(systemId);
        // Verify against a dummy hash for unknown users, so both failures cost the same.
        boolean passwordOk = PasswordHash.matches(account == null ? DUMMY_SECRET : account.config().password(),
                password);
        if (account == null || !passwordOk) {
            return new BindResult(BindOutcome.BAD_CREDENTIALS, null);
        }
        if (!account.allowlist().allows(remote)) {
            return new BindResult(BindOutcome.IP_NOT_ALLOWED, null);
        }
        if (!account.config().bindTypes().contains(type)) {
            return new BindResult(BindOutcome.BIND_TYPE_NOT_ALLOWED, null);
        }
        return new BindResult(BindOutcome.OK, account);
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
