package io.optoutgw.suppression;

/**
 * Where an opt-out applies (docs/domain.md, "How the field refuses"): every account
 * ({@link Global}), every sender of one ESME account, i.e. the brand ({@link Account}), or one
 * short code / number of one account ({@link Sender}).
 */
public sealed interface Scope permits Scope.Global, Scope.Account, Scope.Sender {

    /** Account name in a {@link Sender} scope that applies whichever account sends from that sender. */
    String ANY_ACCOUNT = "*";

    /** Compact form used inside Redis field names and in the journal: "g", "a:acme", "s:acme:12345". */
    String code();

    /** The configured name of this kind of scope: global, account or sender. */
    String kind();

    record Global() implements Scope {
        public static final Global INSTANCE = new Global();

        @Override
        public String code() {
            return "g";
        }

        @Override
        public String kind() {
            return "global";
        }
    }

    record Account(String account) implements Scope {
        @Override
        public String code() {
            return "a:" + account;
        }

        @Override
        public String kind() {
            return "account";
        }
    }

    record Sender(String account, String sender) implements Scope {
        @Override
        public String code() {
            return "s:" + account + ":" + sender;
        }

        @Override
        public String kind() {
            return "sender";
        }
    }

    /** Parses {@link #code()}; throws IllegalArgumentException naming the bad input. */
    static Scope parse(String code) {
        // public via ConsentEvent.parsedScope()
        if ("g".equals(code)) {
            return Global.INSTANCE;
        }
        if (code != null && code.startsWith("a:") && code.length() > 2) {
            return new Account(code.substring(2));
        }
        if (code != null && code.startsWith("s:")) {
            int colon = code.indexOf(':', 2);
            if (colon > 2 && colon < code.length() - 1) {
                return new Sender(code.substring(2, colon), code.substring(colon + 1));
            }
        }
        throw new IllegalArgumentException("not a scope: '" + code + "' (expected g, a:ACCOUNT or s:ACCOUNT:SENDER)");
    }

    /** The scope of {@code kind} (global, account, sender) for an account and sender. */
    static Scope of(String kind, String account, String sender) {
        return switch (kind) {
            case "global" -> Global.INSTANCE;
            case "account" -> new Account(account);
            case "sender" -> new Sender(account, sender);
            default ->
                throw new IllegalArgumentException("scope must be global, account or sender, got '" + kind + "'");
        };
    }
}
