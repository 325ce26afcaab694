package io.optoutgw.admin;

import java.util.Locale;

/**
 * What an account's API token may do (docs/admin.md, "Tenant access"). Every role reads; the
 * operator changes the list; compliance exports and reads the audit trail, traces and evidence;
 * admin does both. Token management, webhooks, audit verification and configuration reloads are
 * for the global admin token only ({@link ApiCaller#GLOBAL_ADMIN}).
 */
public enum ApiRole {
    VIEWER(false, false),
    OPERATOR(true, false),
    COMPLIANCE(false, true),
    ADMIN(true, true);

    private final boolean changes;
    private final boolean compliance;

    ApiRole(boolean changes, boolean compliance) {
        this.changes = changes;
        this.compliance = compliance;
    }

    /** What a request needs. */
    public enum Permission {
        /** look-up, the event feed */
        READ,
        /** add, remove, import, inbound events */
        CHANGE,
        /** export, audit trail, trace and evidence */
        COMPLIANCE,
        /** tokens, webhooks' dead letters, audit verification, configuration reload: the global admin token only */
        GLOBAL
    }

    public boolean allows(Permission p) {
        return switch (p) {
            case READ -> true;
            case CHANGE -> changes;
            case COMPLIANCE -> compliance;
            case GLOBAL -> false;
        };
    }

    /** The lower-case name used on the command line and in JSON. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses viewer, operator, compliance or admin; IllegalArgumentException naming the choices. */
    public static ApiRole parse(String text) {
        if (text != null) {
            for (ApiRole r : values()) {
                if (r.label().equalsIgnoreCase(text.strip())) {
                    return r;
                }
            }
        }
        throw new IllegalArgumentException(
                "role must be viewer, operator, compliance or admin, got '" + (text == null ? "" : text.strip()) + "'");
    }
}
