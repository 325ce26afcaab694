package io.optoutgw.config;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
 *                         in 24 h), for every message or those of {@code sendTime.categories};
 *                         {@code null} when left out: no such rules
 * @param categories       the account's consent categories (marketing, alerts, program names); empty:
 *                         none, every opt-out covers everything (docs/consent-rules.md, "Categories and
 *                         revoke-all"). Lower case; {@code all} is reserved
 * @param categorySource   where a submit's category is read: {@code service_type} (default),
 *                         {@code tlv:0xNNNN} (an optional parameter's value as text) or {@code sender}
 *                         ({@code senderCategories})
 * @param defaultCategory  the category of a submit that names none (or one the account does not
 *                         declare); default the first of {@code categories}
 * @param senderCategories short code / sender -> category: the category of a submit from it under
 *                         {@code categorySource: sender}, and of a STOP texted to it; keys in the
 *                         canonical sender form once the account is built
 * @param revokeAll        {@code true}, {@code false} (default) or a date {@code YYYY-MM-DD} (on from
 *                         00:00 UTC that day): when on, every STOP covers all categories
 * @param clarify          answer a STOP to a category's short code with a clarification (the
 *                         {@code clarify} template: "Reply 1 to stop marketing only, 2 to stop all")
 *                         instead of the confirmation; the opt-out covers every category until a reply
 *                         "1" narrows it to that category (docs/consent-rules.md, "Clarification").
 *                         Needs two or more {@code categories}; default false
 * @param clarifyWindow    how long a reply "1" or "2" is taken as the answer (default 5 minutes);
 *                         silence means every category
 * @param optOutInstruction the opt-out instruction check on relayed messages (docs/consent-rules.md,
 *                         "Opt-out instructions"); {@code null} when left out: no check
 * @param indiaDlt         India's DLT registration TLVs (0x1400 entity id, 0x1401 template id):
 *                         {@code pass} (default: relayed untouched, never checked) or {@code require}
 *                         (a submit_sm, data_sm or submit_multi destination in India, +91, without
 *                         both is refused; docs/consent-rules.md, "India: DLT registration")
 * @param indiaDltStatus   command_status of that refusal (default ESME_RMISSINGOPTPARAM 0xC3)
 * @param requireOptIn     categories whose messages need a recorded opt-in of the person for this account
 *                         ({@code POST /api/consents} or a START): a submit of one of them to a number
 *                         without one is refused (docs/evidence.md, "Opt-in evidence"); {@code all} for
 *                         every message (also without categories); empty (default): none
 * @param noOptInStatus    command_status of that refusal (default: {@code refusalStatus})
 */
public record OptOutPolicy(
        ScopeKind scope,
        ScopeKind maxScope,
        MatchMode keywordMode,
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
        Duration maxScheduleAhead,
        Boolean cancelPendingOnOptOut,
        SendTimeConfig sendTime,
        List<String> categories,
        String categorySource,
        String defaultCategory,
        Map<String, String> senderCategories,
        String revokeAll,
        Boolean clarify,
        Duration clarifyWindow,
        OptOutInstructionConfig optOutInstruction,
        IndiaDlt indiaDlt,
        Integer indiaDltStatus,
        List<String> requireOptIn,
        Integer noOptInStatus) {

    /** Category names: a letter or digit, then letters, digits, '_' or '-', at most 32 characters. */
    private static final Pattern CATEGORY = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");

    private static final Pattern TLV = Pattern.compile("tlv:0x([0-9a-f]{1,4})");
    /** Most categories one account may declare. */
    public static final int MAX_CATEGORIES = 32;

    /** The category name an all-categories entry shows under, reserved. */
    public static final String ALL = "all";

    /** Where a submit's category comes from. */
    public enum CategorySource {
        SERVICE_TYPE,
        TLV,
        SENDER
    }

    /** Opt-out scopes, narrowest first. */
    public enum ScopeKind {
        SENDER,
        ACCOUNT,
        GLOBAL
    }

    public enum Refusal {
        REJECT,
        RECEIPT
    }

    /** What happens to a submit that asks the SMSC to deliver it later. */
    public enum Scheduled {
        ALLOW,
        REFUSE,
        CAP
    }

    /** What {@code optOut.indiaDlt} asks of a message to India. */
    public enum IndiaDlt {
        /** Relay as submitted: the DLT TLVs, when present, reach the SMSC untouched. */
        PASS,
        /** Refuse a message to an Indian number that lacks either DLT TLV. */
        REQUIRE
    }

    /** Default of {@code optOut.indiaDltStatus}: ESME_RMISSINGOPTPARAM (SMPP 3.4 section 5.1.3). */
    public static final int DEFAULT_INDIA_DLT_STATUS = 0xC3;

    /** Default of {@code optOut.clarifyWindow}: the FCC's five minutes for the one confirmation text. */
    public static final Duration DEFAULT_CLARIFY_WINDOW = Duration.ofMinutes(5);

    public OptOutPolicy {
        scope = scope == null ? ScopeKind.ACCOUNT : scope;
        maxScope = maxScope == null
                ? (scope.ordinal() > ScopeKind.ACCOUNT.ordinal() ? scope : ScopeKind.ACCOUNT)
                : maxScope;
        if (maxScope.ordinal() < scope.ordinal()) {
            throw new ConfigException(
                    "optOut.maxScope",
                    "must be at least as wide as optOut.scope (" + scope.name().toLowerCase() + "), got "
                            + maxScope.name().toLowerCase());
        }
        keywordMode = keywordMode == null ? MatchMode.EXACT : keywordMode;
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
        maxScheduleAhead = maxScheduleAhead == null ? Duration.ofHours(24) : maxScheduleAhead;
        if (maxScheduleAhead.isNegative() || maxScheduleAhead.isZero()) {
            throw new ConfigException("optOut.maxScheduleAhead", "must be positive, got " + maxScheduleAhead);
        }
        cancelPendingOnOptOut = cancelPendingOnOptOut == null || cancelPendingOnOptOut;
        categories = checkCategories(categories);
        if (categories.isEmpty()) {
            for (String key : new String[] {"categorySource", "defaultCategory", "senderCategories"}) {
                Object v = switch (key) {
                    case "categorySource" -> categorySource;
                    case "defaultCategory" -> defaultCategory;
                    default -> senderCategories == null || senderCategories.isEmpty() ? null : senderCategories;
                };
                if (v != null) {
                    throw new ConfigException(
                            "optOut." + key, "needs optOut.categories (the account declares no categories)");
                }
            }
        }
        categorySource =
                categorySource == null ? "service_type" : categorySource.strip().toLowerCase(Locale.ROOT);
        if (!categorySource.equals("service_type") && !categorySource.equals("sender")) {
            Matcher m = TLV.matcher(categorySource);
            if (!m.matches()) {
                throw new ConfigException(
                        "optOut.categorySource",
                        "expected service_type, sender or tlv:0xNNNN (a tag of"
                                + " 1 to 4 hex digits, e.g. tlv:0x1400), got '" + categorySource + "'");
            }
            int tag = Integer.parseInt(m.group(1), 16);
            if (tag == 0) {
                throw new ConfigException("optOut.categorySource", "TLV tag 0x0000 is not a valid tag");
            }
            categorySource = String.format(Locale.ROOT, "tlv:0x%04x", tag);
        }
        if (categorySource.equals("service_type")) {
            Set<String> heads = new HashSet<>();
            for (String c : categories) {
                String head = c.length() > SERVICE_TYPE_CHARS ? c.substring(0, SERVICE_TYPE_CHARS) : c;
                if (!heads.add(head)) {
                    throw new ConfigException(
                            "optOut.categories",
                            "two categories share their first "
                                    + SERVICE_TYPE_CHARS + " characters '" + head
                                    + "', which is all service_type can carry"
                                    + " (optOut.categorySource: service_type): rename one, or use tlv:0xNNNN or sender");
                }
            }
        }
        if (defaultCategory != null) {
            String d = defaultCategory.strip().toLowerCase(Locale.ROOT);
            if (!categories.contains(d)) {
                throw new ConfigException(
                        "optOut.defaultCategory",
                        "'" + defaultCategory + "' is not one of optOut.categories " + categories);
            }
            defaultCategory = d;
        } else if (!categories.isEmpty()) {
            defaultCategory = categories.get(0);
        }
        Map<String, String> sc = new LinkedHashMap<>();
        if (senderCategories != null) {
            for (Map.Entry<String, String> e : senderCategories.entrySet()) {
                String c = e.getValue() == null ? "" : e.getValue().strip().toLowerCase(Locale.ROOT);
                if (!categories.contains(c)) {
                    throw new ConfigException(
                            "optOut.senderCategories." + e.getKey(),
                            "'" + e.getValue() + "' is not one of optOut.categories " + categories);
                }
                sc.put(e.getKey().strip(), c);
            }
        }
        senderCategories = Map.copyOf(sc);
        revokeAll = revokeAll == null ? "false" : revokeAll.strip().toLowerCase(Locale.ROOT);
        if (!revokeAll.equals("true") && !revokeAll.equals("false")) {
            try {
                LocalDate.parse(revokeAll);
            } catch (DateTimeParseException e) {
                throw new ConfigException(
                        "optOut.revokeAll", "expected true, false or a date YYYY-MM-DD, got '" + revokeAll + "'");
            }
        }
        clarify = clarify != null && clarify;
        if (clarify && categories.size() < 2) {
            throw new ConfigException(
                    "optOut.clarify",
                    "needs two or more optOut.categories (a clarification asks which of them a STOP means), got "
                            + categories);
        }
        clarifyWindow = clarifyWindow == null ? DEFAULT_CLARIFY_WINDOW : clarifyWindow;
        if (clarifyWindow.isNegative() || clarifyWindow.isZero()) {
            throw new ConfigException("optOut.clarifyWindow", "must be positive, got " + clarifyWindow);
        }
        if (optOutInstruction != null) {
            optOutInstruction.checkCategories(categories);
        }
        if (sendTime != null) {
            sendTime.checkCategories(categories);
        }
        indiaDlt = indiaDlt == null ? IndiaDlt.PASS : indiaDlt;
        indiaDltStatus = indiaDltStatus == null ? DEFAULT_INDIA_DLT_STATUS : indiaDltStatus;
        if (indiaDltStatus == 0) {
            throw new ConfigException("optOut.indiaDltStatus", "must be an error status, not ESME_ROK");
        }
        requireOptIn = requireOptIn == null ? List.of() : List.copyOf(requireOptIn);
        for (String c : requireOptIn) {
            if (!ALL.equals(c) && !categories.contains(c)) {
                throw new ConfigException(
                        "optOut.requireOptIn",
                        "'" + c + "' is not one of optOut.categories " + categories + " (or 'all': every message)");
            }
        }
        noOptInStatus = noOptInStatus == null ? refusalStatus : noOptInStatus;
        if (noOptInStatus == 0) {
            throw new ConfigException("optOut.noOptInStatus", "must be an error status, not ESME_ROK");
        }
    }

    /**
     * Whether a message of {@code category} ({@code null}: the account declares none) needs a recorded
     * opt-in of the person ({@code requireOptIn}).
     */
    public boolean requiresOptIn(String category) {
        if (requireOptIn.isEmpty()) {
            return false;
        }
        return requireOptIn.contains(ALL) || (category != null && requireOptIn.contains(category));
    }

    private static List<String> checkCategories(List<String> categories) {
        if (categories == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>(categories.size());
        for (String c : categories) {
            String n = c == null ? "" : c.strip().toLowerCase(Locale.ROOT);
            if (!CATEGORY.matcher(n).matches()) {
                throw new ConfigException(
                        "optOut.categories",
                        "'" + c + "' is not a category name (a letter or digit,"
                                + " then letters, digits, '_' or '-'; at most 32 characters)");
            }
            if (n.equals(ALL)) {
                throw new ConfigException("optOut.categories", "'all' is reserved (it names every category)");
            }
            if (out.contains(n)) {
                throw new ConfigException("optOut.categories", "'" + c + "' is listed twice");
            }
            out.add(n);
        }
        if (out.size() > MAX_CATEGORIES) {
            // categories are metric label values: their number per account stays bounded
            throw new ConfigException(
                    "optOut.categories", "at most " + MAX_CATEGORIES + " categories per account, got " + out.size());
        }
        return List.copyOf(out);
    }

    /** Whether the account declares consent categories. */
    public boolean hasCategories() {
        return !categories.isEmpty();
    }

    /** Where a submit's category is read. */
    public CategorySource categorySourceKind() {
        return switch (categorySource) {
            case "service_type" -> CategorySource.SERVICE_TYPE;
            case "sender" -> CategorySource.SENDER;
            default -> CategorySource.TLV;
        };
    }

    /** The optional parameter tag the category is read from under {@code tlv:0xNNNN}, else -1. */
    public int categoryTag() {
        return categorySource.startsWith("tlv:") ? Integer.parseInt(categorySource.substring(6), 16) : -1;
    }

    /** {@code value} as one of the account's categories (case-insensitive), or null when it is none. */
    public String category(String value) {
        if (value == null || categories.isEmpty()) {
            return null;
        }
        String v = value.strip().toLowerCase(Locale.ROOT);
        return categories.contains(v) ? v : null;
    }

    /** At most this many characters fit in service_type (a C-Octet String of 6 octets, SMPP 3.4 5.2.11). */
    public static final int SERVICE_TYPE_CHARS = 5;

    /**
     * A service_type value as one of the account's categories: its name, or, for a longer name, its
     * first {@value #SERVICE_TYPE_CHARS} characters ("MARKE" for marketing), without case; null
     * when it is none.
     */
    public String serviceTypeCategory(String value) {
        String exact = category(value);
        if (exact != null || value == null || value.isBlank()) {
            return exact;
        }
        String v = value.strip().toLowerCase(Locale.ROOT);
        if (v.length() != SERVICE_TYPE_CHARS) {
            return null;
        }
        for (String c : categories) {
            if (c.length() > SERVICE_TYPE_CHARS && c.startsWith(v)) {
                return c;
            }
        }
        return null;
    }

    /** The category of a sender in its canonical form, or null when it has none. */
    public String senderCategory(String canonicalSender) {
        return canonicalSender == null ? null : senderCategories.get(canonicalSender);
    }

    /** Whether revoke-all is on at {@code at}: {@code true}, or a date that has been reached (UTC). */
    public boolean revokeAllAt(Instant at) {
        return switch (revokeAll) {
            case "true" -> true;
            case "false" -> false;
            default ->
                !at.isBefore(
                        LocalDate.parse(revokeAll).atStartOfDay(ZoneOffset.UTC).toInstant());
        };
    }

    /** This policy with {@code senderCategories} keyed by {@code canonical} of each sender. */
    OptOutPolicy withCanonicalSenders(UnaryOperator<String> canonical) {
        if (senderCategories.isEmpty()) {
            return this;
        }
        Map<String, String> sc = new HashMap<>();
        senderCategories.forEach((k, v) -> sc.put(canonical.apply(k), v));
        return new OptOutPolicy(
                scope,
                maxScope,
                keywordMode,
                forwardMo,
                refusal,
                refusalStatus,
                receiptErrorCode,
                failOpen,
                failClosedStatus,
                templates,
                senderTemplates,
                surveyUrl,
                keywords,
                senderKeywords,
                scheduled,
                maxScheduleAhead,
                cancelPendingOnOptOut,
                sendTime,
                categories,
                categorySource,
                defaultCategory,
                sc,
                revokeAll,
                clarify,
                clarifyWindow,
                optOutInstruction,
                indiaDlt,
                indiaDltStatus,
                requireOptIn,
                noOptInStatus);
    }

    public static OptOutPolicy defaults() {
        return new OptOutPolicy(
                null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** The templates for {@code sender}: its own where set, the account's otherwise. */
    public Templates templatesFor(String sender) {
        Templates own = sender == null ? null : senderTemplates.get(sender);
        return own == null ? templates : own.withDefaults(templates);
    }
}
