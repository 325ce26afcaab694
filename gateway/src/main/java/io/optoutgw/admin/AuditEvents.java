package io.optoutgw.admin;

import io.optoutgw.suppression.ConsentEvent;
import java.util.List;

/** Audit events in a time range, oldest first (JSON body of {@code GET /api/audit}); {@code truncated} when the limit cut the list. */
public record AuditEvents(List<ConsentEvent> events, boolean truncated) {}
