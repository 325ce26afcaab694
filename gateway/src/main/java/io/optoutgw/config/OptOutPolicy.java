package io.optoutgw.config;

import java.util.Map;

/**
 * How one account treats opt-outs and refuses messages to people who opted out.
 *
 * @param scope            where a STOP applies: {@code sender} (the short code texted), {@code account}
 *                         (every sender of the account, i.e. the brand) or {@code global} (all accounts)
 * @param maxScope         the widest scope this account may record; STOPALL / STOP ALL take it
 * @param keywordMode      {@code exact} (the message is a keyword) or {@code phrase} (revocation phrases too)
 * @param forwardMo        forward keyword MO to the ESME as well (its CRM learns of it); false swallows it
 * @param refusal          {@code reject} (a permanent submit_sm_resp error) or {@code receipt} (ESME_ROK,
 *                         then a delivery receipt stat:REJECTD when the submit asked for one)
 * @param refusalStatus    command_status for {@code reject} (default ESME_RINVDSTADR 0x0B)
 * @param receiptErrorCode the err: value of a REJECTD receipt (3 digits)
 * @param failOpen         relay when the list cannot be checked (e.g. one-time passwords); counted
 * @param failClosedStatus command_status when the list cannot be checked (default ESME_RTHROTTLED 0x58)
 * @param templates        confirmation texts by language; per-sender overrides in {@code senderTemplates}
 * @param senderTemplates  short code -> templates for that sender
 * @param surveyUrl        replaces {@code {surveyUrl}} in templates
 * @param keywords         keyword lists replacing the defaults for this account
 * @param senderKeywords   short code -> keyword lists for that sender
 * @param scheduled        submits with a schedule_delivery_time: {@code allow} (default), {@code refuse}
 *                         (ESME_RINVSCHED) or {@code cap} (refused when later than {@code maxScheduleAhead})
 * @param maxScheduleAhead how far ahead a schedule may be under {@code cap} (default 24h)
 * @param cancelPendingOnOptOut when a person opts out, cancel (cancel_sm) the messages to them that
 *                         were relayed with a future schedule or a validity longer than an hour and may
 *                         still be pending at the SMSC (default true)
 * @param sendTime         send-time rules (quiet hours in the recipient's local time, a cap per number
 *                         in 24 h); {@code null} when left out: no such rules
 */
public record OptOutPolicy(
        ScopeKind scope,
        ScopeKind maxScope,
        io.optoutgw.config.MatchMode keywordMode,
        Boolean forwardMo,
        Refusal refusal,
        Integer refusalStatus,
        Integer receiptErrorCode,
        Boolean failOpen,
        Integer failClosedStatus,
        Templates templates,
        Map<String, Templates> senderTemplates,
        String surveyUrl,
        KeywordLists keywords,
        Map<String, KeywordLists> senderKeywords,
        Scheduled scheduled,
        java.time.Duration maxScheduleAhead,
        Boolean cancelPendingOnOptOut,
        SendTimeConfig sendTime) {

    /** Opt-out scopes, narrowest first. */
    public enum ScopeKind { SENDER, ACCOUNT, GLOBAL }

    public enum Refusal { REJECT, RECEIPT }

    /** What happens to a submit that asks the SMSC to deliver it later. */
    public enum Scheduled { ALLOW, REFUSE, CAP }

    public OptOutPolicy {
        scope = scope == null ? ScopeKind.ACCOUNT : scope;
        maxScope = maxScope == null ? (scope.ordinal() > ScopeKind.ACCOUNT.ordinal() ? scope : ScopeKind.ACCOUNT)
                : maxScope;
        if (maxScope.ordinal() < scope.ordinal()) {
            throw new ConfigException("optOut.maxScope", "must be at least as wide as optOut.scope ("
                    + scope.name().toLowerCase() + "), got " + maxScope.name().toLowerCase());
        }
        keywordMode = keywordMode == null ? io.optoutgw.config.MatchMode.EXACT : keywordMode;
        forwardMo = forwardMo == null || forwardMo;
        refusal = refusal == null ? Refusal.REJECT : refusal;
        refusalStatus = refusalStatus == null ? 0x0B : refusalStatus;
        if (refusalStatus == 0) {
            throw new ConfigException("optOut.refusalStatus", "must be an error status, not ESME_ROK");
        }
        receiptErrorCode = receiptErrorCode == null ? 11 : receiptErrorCode;
        ConfigChecks.range("optOut.receiptErrorCode", receiptErrorCode, 0, 999);
        failOpen = failOpen != null && failOpen;
        failClosedStatus = failClosedStatus == null ? 0x58 : failClosedStatus;
        if (failClosedStatus == 0) {
            throw new ConfigException("optOut.failClosedStatus", "must be an error status, not ESME_ROK");
        }
        templates = templates == null ? Templates.DEFAULT : templates.withDefaults(Templates.DEFAULT);
        senderTemplates = senderTemplates == null ? Map.of() : Map.copyOf(senderTemplates);
        senderKeywords = senderKeywords == null ? Map.of() : Map.copyOf(senderKeywords);
        scheduled = scheduled == null ? Scheduled.ALLOW : scheduled;
        maxScheduleAhead = maxScheduleAhead == null ? java.time.Duration.ofHours(24) : maxScheduleAhead;
        if (maxScheduleAhead.isNegative() || maxScheduleAhead.isZero()) {
            throw new ConfigException("optOut.maxScheduleAhead", "must be positive, got " + maxScheduleAhead);
        }
        cancelPendingOnOptOut = cancelPendingOnOptOut == null || cancelPendingOnOptOut;
    }

    public static OptOutPolicy defaults() {
        return new OptOutPolicy(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null);
    }

    /** The templates for {@code sender}: its own where set, the account's otherwise. */
    public Templates templatesFor(String sender) {
        Templates own = sender == null ? null : senderTemplates.get(sender);
        return own == null ? templates : own.withDefaults(templates);
    }
}
