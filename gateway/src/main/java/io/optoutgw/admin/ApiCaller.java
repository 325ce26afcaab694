package io.optoutgw.admin;

import io.optoutgw.suppression.Scope;

/**
 * Who made an admin API request: the global admin token ({@code http.adminToken}, every account,
 * every action), or an account's token with its role, confined to that account's scopes.
 *
 * @param name    the token's name (audited with every change); {@code admin} for the global token
 * @param account the account the token belongs to; {@code null} for the global admin token
 * @param role    the token's role; {@code null} for the global admin token
 */
public record ApiCaller(String name, String account, ApiRole role) {

    /** The global admin token of the configuration. */
    public static final ApiCaller GLOBAL_ADMIN = new ApiCaller("admin", null, null);

    public boolean global() {
        return account == null;
    }

    public boolean allows(ApiRole.Permission p) {
        return global() || role.allows(p);
    }

    /**
     * Whether this caller may see and change entries of {@code scope}: every scope for the global
     * admin; for an account's token its own account scope and its own sender scopes only (not the
     * global scope, not a sender scope of any account).
     */
    public boolean owns(Scope scope) {
        if (global()) {
            return true;
        }
        if (scope instanceof Scope.Account a) {
            return a.account().equals(account);
        }
        if (scope instanceof Scope.Sender s) {
            return s.account().equals(account);
        }
        return false;
    }

    /** {@link #owns(Scope)} of a compact scope code ({@code a:ACME}, {@code s:ACME:12345}); false when it does not parse. */
    public boolean ownsCode(String code) {
        if (global()) {
            return true;
        }
        if (code == null) {
            return false;
        }
        try {
            return owns(Scope.parse(code));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * {@link #owns(Scope)} of a scope in its long form as a trace line shows it ({@code
     * account:ACME}, {@code sender:ACME:12345}, either perhaps followed by {@code " (category)"});
     * false for {@code global}, a list and what does not parse.
     */
    public boolean ownsScopeName(String name) {
        if (global()) {
            return true;
        }
        if (name == null) {
            return false;
        }
        String n = name;
        int space = n.indexOf(" (");
        if (space > 0) {
            n = n.substring(0, space);
        }
        if (n.startsWith("account:")) {
            return n.substring("account:".length()).equals(account);
        }
        if (n.startsWith("sender:")) {
            String rest = n.substring("sender:".length());
            int colon = rest.indexOf(':');
            return colon > 0 && rest.substring(0, colon).equals(account);
        }
        return false;
    }

    /**
     * The actor recorded on a change: for the global admin token the actor given (or {@code api});
     * for an account's token its name, with the actor given after a slash ({@code ops-bot/alice}),
     * so the audit trail always says which token made the change.
     */
    public String actor(String given) {
        if (global()) {
            return given == null ? "api" : given;
        }
        return given == null ? name : name + "/" + given;
    }

    @Override
    public String toString() {
        return global() ? "admin token" : "token " + name + " (" + role.label() + " of " + account + ")";
    }
}
