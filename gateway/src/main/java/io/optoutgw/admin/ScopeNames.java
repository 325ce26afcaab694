package io.optoutgw.admin;

import io.optoutgw.suppression.Scope;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads the scopes operators type ({@code global}, {@code account:ACME}, {@code sender:ACME:12345}
 * or the compact codes {@code g}, {@code a:ACME}, {@code s:ACME:12345}) and checks the account
 * against the configured ones, so that a typo cannot create an opt-out nothing ever matches.
 */
public final class ScopeNames {

    private static final Pattern SENDER = Pattern.compile("[^\\s|,\"]{1,64}");

    private final Set<String> accounts;
    private final Map<String, List<String>> categories;
    /** The one account whose scopes {@link #parse} accepts (an account's API token); {@code null}: every scope. */
    private final String only;

    /** @param accounts configured ESME system_ids */
    public ScopeNames(Set<String> accounts) {
        this(accounts, Map.of());
    }

    /**
     * @param accounts   configured ESME system_ids
     * @param categories each account's {@code optOut.categories} (accounts without any may be left out)
     */
    public ScopeNames(Set<String> accounts, Map<String, List<String>> categories) {
        this(accounts, categories, null);
    }

    private ScopeNames(Set<String> accounts, Map<String, List<String>> categories, String only) {
        this.accounts = Set.copyOf(accounts);
        this.categories = Map.copyOf(categories);
        this.only = only;
    }

    /**
     * The same names, accepting only {@code account}'s own scopes ({@code account:ACCOUNT},
     * {@code sender:ACCOUNT:SENDER}): what an account's API token may change (rows of an import or
     * of inbound events naming another scope are refused).
     */
    public ScopeNames restrictedTo(String account) {
        return new ScopeNames(accounts, categories, account);
    }

    /** The scope of a change that names none: global, or the account's own for names {@link #restrictedTo} one. */
    public Scope defaultScope() {
        return only == null ? Scope.Global.INSTANCE : new Scope.Account(only);
    }

    /** The configured accounts. */
    public Set<String> accounts() {
        return accounts;
    }

    /**
     * The category an operator typed for a change in {@code scope}: {@code null} (every category)
     * for nothing or {@code all}; else it must be one of the categories of the scope's account
     * (of any account for the global scope). Throws IllegalArgumentException naming the choices.
     */
    public String category(Scope scope, String text) {
        if (text == null || text.isBlank() || text.strip().equalsIgnoreCase("all")) {
            return null;
        }
        String c = text.strip().toLowerCase(Locale.ROOT);
        Set<String> allowed = new TreeSet<>();
        if (scope instanceof Scope.Account a) {
            allowed.addAll(categories.getOrDefault(a.account(), List.of()));
        } else if (scope instanceof Scope.Sender snd) {
            allowed.addAll(categories.getOrDefault(snd.account(), List.of()));
        } else {
            categories.values().forEach(allowed::addAll);
        }
        if (!allowed.contains(c)) {
            throw new IllegalArgumentException("unknown category '" + text.strip() + "' for scope " + display(scope)
                    + (allowed.isEmpty()
                            ? " (its account declares no categories; use all)"
                            : " (declared: " + String.join(", ", allowed) + ", or all)"));
        }
        return c;
    }

    /** Parses {@code text}; throws IllegalArgumentException with a message fit for the operator. */
    public Scope parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(
                    "empty scope (expected global, account:ACCOUNT or sender:ACCOUNT:SENDER)");
        }
        String s = text.strip();
        int colon = s.indexOf(':');
        String kind = (colon < 0 ? s : s.substring(0, colon)).toLowerCase(Locale.ROOT);
        String rest = colon < 0 ? null : s.substring(colon + 1);
        Scope scope = switch (kind) {
            case "g", "global" -> rest == null ? Scope.Global.INSTANCE : null;
            case "a", "account" -> rest == null || rest.contains(":") ? null : new Scope.Account(rest);
            case "s", "sender" -> {
                int c = rest == null ? -1 : rest.indexOf(':');
                yield c <= 0 || c == rest.length() - 1
                        ? null
                        : new Scope.Sender(rest.substring(0, c), rest.substring(c + 1));
            }
            default -> null;
        };
        if (scope == null) {
            throw new IllegalArgumentException(
                    "not a scope: '" + s
                            + "' (expected global, account:ACCOUNT or sender:ACCOUNT:SENDER, or g, a:ACCOUNT, s:ACCOUNT:SENDER)");
        }
        if (scope instanceof Scope.Account a) {
            checkAccount(a.account(), false);
        } else if (scope instanceof Scope.Sender snd) {
            checkAccount(snd.account(), true);
            if (!SENDER.matcher(snd.sender()).matches()) {
                throw new IllegalArgumentException("not a sender: '" + snd.sender() + "'");
            }
        }
        if (only != null && !new ApiCaller(only, only, ApiRole.VIEWER).owns(scope)) {
            throw new IllegalArgumentException(
                    "scope " + display(scope) + " is outside account " + only + " (this token's account)");
        }
        return scope;
    }

    private void checkAccount(String account, boolean anyAllowed) {
        if (anyAllowed && Scope.ANY_ACCOUNT.equals(account)) {
            return;
        }
        if (!accounts.contains(account)) {
            throw new IllegalArgumentException("unknown account '" + account + "' (configured: "
                    + String.join(", ", new TreeSet<>(accounts)) + (anyAllowed ? ", or * for any account" : "") + ")");
        }
    }

    /** The long form: {@code global}, {@code account:ACME}, {@code sender:ACME:12345}. */
    public static String display(Scope scope) {
        if (scope instanceof Scope.Account a) {
            return "account:" + a.account();
        }
        if (scope instanceof Scope.Sender s) {
            return "sender:" + s.account() + ":" + s.sender();
        }
        return "global";
    }

    /**
     * The long form of an entry's slot: a scope code, or {@code code~category} for one category,
     * shown as {@code account:ACME (marketing)}.
     */
    public static String displaySlot(String slot) {
        int tilde = slot.lastIndexOf('~');
        if (tilde > 0 && slot.indexOf('|') < 0 && slot.substring(tilde + 1).matches("[a-z0-9][a-z0-9_-]{0,31}")) {
            String base = slot.substring(0, tilde);
            try {
                Scope.parse(base);
                return display(base) + " (" + slot.substring(tilde + 1) + ")";
            } catch (IllegalArgumentException e) {
                return display(slot);
            }
        }
        return display(slot);
    }

    /** The long form of a compact code as stored; the code itself if it does not parse. */
    public static String display(String code) {
        try {
            return display(Scope.parse(code));
        } catch (IllegalArgumentException e) {
            return code;
        }
    }
}
