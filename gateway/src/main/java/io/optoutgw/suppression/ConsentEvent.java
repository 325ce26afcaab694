package io.optoutgw.suppression;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.optoutgw.suppression.evidence.EventForms;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

/**
 * One change to (or proof about) a person's consent: what the audit trail keeps and the journal
 * replays. Opt-outs and opt-ins change the list; HELP and free-text reasons only document.
 *
 * @param id         unique per event; replays of the same event are idempotent
 * @param time       when the gateway received it
 * @param type       what happened
 * @param number     E.164 digits of the person (no '+')
 * @param scope      {@link Scope#code()}
 * @param keyword    the keyword recognised, if any
 * @param language   language of the keyword (en, fr, es), if any
 * @param text       the message text as the person sent it
 * @param dataCoding data_coding of the message
 * @param upstream   upstream it arrived on
 * @param smscRef    SMSC reference: upstream bind and sequence number, or receipted id
 * @param instance   gateway instance that recorded it
 * @param actor      who made an administrative change
 * @param reason     why (administrative changes)
 * @param account    account owning the number the person texted, if any
 * @param sender     short code / number the person texted
 * @param order      its place on the list ({@link #listOrder()}): assigned by the Redis that holds the
 *                   number when the event is recorded, before it is journaled; {@code null} in events
 *                   journaled before orders existed and in those that do not change the list
 * @param category   the consent category the change is about (one of the account's
 *                   {@code optOut.categories}); {@code null} = every category, as in every event
 *                   recorded before categories existed
 * @param source     how the event reached the gateway ({@link Source}); {@code null} in events recorded
 *                   before sources existed (see {@link #sourceLabel()})
 * @param receivedAt for an event from another channel: when the person asked there (the event's
 *                   {@link #time()} is when it took effect here); {@code null} otherwise. Never set
 *                   on an event from an MO (the person asked by that very message)
 * @param evidence   a reference to the consent evidence (a recorded opt-in elsewhere) that justified
 *                   lifting the person's own opt-out
 * @param override   {@code true} when an operator lifted the person's own opt-out without a START
 *                   or evidence (audited with {@link #actor()} and {@link #reason()}); {@code null}
 *                   otherwise
 * @param rawMo      the MO's user data as received (hex), for an event from a single-part MO; {@code null}
 *                   otherwise and in events recorded before it was kept
 * @param ruleSet    the version of the keyword rules that matched the MO ({@code KeywordEngine#version}):
 *                   the first 16 hex digits of SHA-256 over the rules' canonical text
 * @param consent    what a recorded opt-in says (wording, URL, channel, IP); {@code null} otherwise
 * @param detailDigest  an event of chain version 2 whose detail was dropped (retention, docs/evidence.md): the
 *                   digest of that detail, which its hash covers in place of the detail itself; {@code null}
 *                   otherwise
 * @param journalDigest an event of chain version 2 as the audit trail in Redis holds it: the digest of the
 *                   detail only the journal keeps (text, raw MO, consent wording, ...); {@code null} when the
 *                   detail is present or the event had none
 * @param chain      the event's link in the hash chain of the journal that recorded it (docs/evidence.md);
 *                   {@code null} in events recorded before chains existed. Always the last property of the
 *                   JSON: the event without it is what the link's hash covers
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ConsentEvent(
        String id,
        Instant time,
        Type type,
        String number,
        String scope,
        String keyword,
        String language,
        String text,
        Integer dataCoding,
        String upstream,
        String smscRef,
        String instance,
        String actor,
        String reason,
        String account,
        String sender,
        Long order,
        String category,
        Source source,
        Instant receivedAt,
        String evidence,
        Boolean override,
        String rawMo,
        String ruleSet,
        Consent consent,
        String detailDigest,
        String journalDigest,
        Chain chain) {

    /**
     * What a recorded opt-in (consent) says: where and how the person agreed (docs/evidence.md, "Opt-in
     * evidence"). Every field is optional but at least the text or its hash, or the URL or channel, is given.
     *
     * @param text     the consent wording the person agreed to, as shown to them
     * @param textHash SHA-256 (hex) of that wording, when the wording itself is kept elsewhere
     * @param url      the page (web form) where the person agreed
     * @param channel  how: web, sms, paper, ivr, ...
     * @param ip       the IP address the person agreed from (web forms)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Consent(String text, String textHash, String url, String channel, String ip) {}

    /** An event without MO evidence or consent detail (see {@link #withMoEvidence}, {@link #withConsent}). */
    public ConsentEvent(
            String id,
            Instant time,
            Type type,
            String number,
            String scope,
            String keyword,
            String language,
            String text,
            Integer dataCoding,
            String upstream,
            String smscRef,
            String instance,
            String actor,
            String reason,
            String account,
            String sender,
            Long order,
            String category,
            Source source,
            Instant receivedAt,
            String evidence,
            Boolean override,
            Chain chain) {
        this(
                id,
                time,
                type,
                number,
                scope,
                keyword,
                language,
                text,
                dataCoding,
                upstream,
                smscRef,
                instance,
                actor,
                reason,
                account,
                sender,
                order,
                category,
                source,
                receivedAt,
                evidence,
                override,
                null,
                null,
                null,
                null,
                null,
                chain);
    }

    /**
     * An event's link in a journal's hash chain (docs/evidence.md).
     *
     * @param id   the chain: the recording instance's id and a random suffix chosen when the chain began
     * @param seq  1 for the chain's first event, then one more for each event
     * @param prev the hash of the chain's previous event ({@link #GENESIS} before the first)
     * @param hash SHA-256 (hex) over the chain id, {@code seq}, {@code prev} and the event's JSON without
     *             its chain ({@code io.optoutgw.suppression.evidence.EventChain#hash}); in version 2, over the
     *             event's core fields and the digest of its detail ({@code EventForms})
     * @param v    the chain version: {@code null} for 1, 2 for links whose hash survives dropping the detail
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Chain(String id, long seq, String prev, String hash, Integer v) {
        /** The {@link #prev} of a chain's first event. */
        public static final String GENESIS = "0".repeat(64);

        /** A link of chain version 1 (the hash covers the event's JSON). */
        public Chain(String id, long seq, String prev, String hash) {
            this(id, seq, prev, hash, null);
        }

        /** The chain version: 1 (the hash covers the event's JSON) or 2 (its core fields and detail digest). */
        public int version() {
            return v == null ? 1 : v;
        }
    }

    /** An event without a chain link (see {@link #withChain}). */
    public ConsentEvent(
            String id,
            Instant time,
            Type type,
            String number,
            String scope,
            String keyword,
            String language,
            String text,
            Integer dataCoding,
            String upstream,
            String smscRef,
            String instance,
            String actor,
            String reason,
            String account,
            String sender,
            Long order,
            String category,
            Source source,
            Instant receivedAt,
            String evidence,
            Boolean override) {
        this(
                id,
                time,
                type,
                number,
                scope,
                keyword,
                language,
                text,
                dataCoding,
                upstream,
                smscRef,
                instance,
                actor,
                reason,
                account,
                sender,
                order,
                category,
                source,
                receivedAt,
                evidence,
                override,
                null);
    }

    /**
     * How a consent event reached the gateway. Serialised as its {@link #code()} (the value the
     * admin API and the reports show).
     */
    public enum Source {
        /** The person texted a configured keyword (STOP, START, HELP, "STOP marketing"). */
        MO_KEYWORD("mo_keyword"),
        /**
         * The person texted something that is not one keyword as configured: a revocation phrase
         * ("please stop texting me"), a slip ("STOPP"), or the free-text reason after an opt-out.
         */
        MO_PHRASE("mo_phrase"),
        /** The person answered the clarification question that followed an opt-out. */
        MO_CLARIFICATION("mo_clarification"),
        /** An operator, through the admin API or the CLI. */
        ADMIN("admin"),
        /** A row of a CSV import. */
        IMPORT("import"),
        /** Another channel (web form, e-mail, call centre system) through the admin API. */
        API("api"),
        /** An external list (a do-not-call list, a partner's suppression list). */
        EXTERNAL_LIST("external_list"),
        /** A carrier's deactivation (number disconnected or reassigned) file. */
        DEACTIVATION("deactivation");

        private final String code;

        Source(String code) {
            this.code = code;
        }

        @JsonValue
        public String code() {
            return code;
        }

        /** Whether the person asked by a message of their own (the re-subscribe guard protects these). */
        public boolean fromPerson() {
            return this == MO_KEYWORD || this == MO_PHRASE || this == MO_CLARIFICATION;
        }

        /** The source of {@code code} (as {@link #code()} writes it); IllegalArgumentException listing the known ones. */
        @JsonCreator
        public static Source of(String code) {
            for (Source s : values()) {
                if (s.code.equals(code)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown source '" + code + "' (expected one of " + codes() + ")");
        }

        /** Every code, comma-separated. */
        public static String codes() {
            StringBuilder sb = new StringBuilder();
            for (Source s : values()) {
                sb.append(sb.isEmpty() ? "" : ", ").append(s.code);
            }
            return sb.toString();
        }
    }

    /** What {@link #sourceLabel()} answers for an event recorded before sources existed. */
    public static final String UNKNOWN_SOURCE = "unknown";

    /** Kinds of events. */
    public enum Type {
        OPT_OUT,
        OPT_IN,
        HELP,
        REASON,
        ADMIN_ADD,
        ADMIN_REMOVE,
        /**
         * A clarification reply narrowed an opt-out of every category to one: lifts the entry for
         * every category, after the OPT_OUT of the named category was recorded (not an opt-in).
         */
        NARROWED,
        /**
         * A carrier's deactivation file holds the number, deactivated after this entry's opt-in: the
         * opt-in is void from the deactivation on (the person who gave it no longer has the number),
         * so the entry suppresses again until a later opt-in (source {@code deactivation}).
         */
        VOIDED,
        /**
         * A carrier's deactivation file holds the number, deactivated after this entry's opt-out: the
         * opt-out stays in force and is flagged as given by the number's former holder (documents only).
         */
        FLAGGED,
        /**
         * A recorded opt-in (consent) to an account's messages, from another channel ({@code POST
         * /api/consents}): documents the consent and marks the number as opted in for the account and
         * category ({@code optOut.requireOptIn}); it lifts no opt-out.
         */
        CONSENT,
        /**
         * {@code gateway privacy erase}: the text, raw MO and number of the number's events were removed from the
         * journal and the audit (docs/privacy.md). Carries the number's key (never the number), the actor, and
         * in {@link ConsentEvent#evidence()} each erased event's place and hashes, so that the chain still
         * verifies; documents only.
         */
        ERASED;

        /** +1 suppresses, -1 lifts a suppression, 0 only documents (the list's entries). */
        public int effect() {
            return switch (this) {
                case OPT_OUT, ADMIN_ADD, VOIDED -> 1;
                case OPT_IN, ADMIN_REMOVE, NARROWED -> -1;
                case HELP, REASON, FLAGGED, CONSENT, ERASED -> 0;
            };
        }
    }

    /** An event without a source (see {@link #withSource}). */
    public ConsentEvent(
            String id,
            Instant time,
            Type type,
            String number,
            String scope,
            String keyword,
            String language,
            String text,
            Integer dataCoding,
            String upstream,
            String smscRef,
            String instance,
            String actor,
            String reason,
            String account,
            String sender,
            Long order,
            String category) {
        this(
                id,
                time,
                type,
                number,
                scope,
                keyword,
                language,
                text,
                dataCoding,
                upstream,
                smscRef,
                instance,
                actor,
                reason,
                account,
                sender,
                order,
                category,
                null,
                null,
                null,
                null);
    }

    /** An event whose order on the list is not assigned yet (see {@link #withOrder}). */
    public ConsentEvent(
            String id,
            Instant time,
            Type type,
            String number,
            String scope,
            String keyword,
            String language,
            String text,
            Integer dataCoding,
            String upstream,
            String smscRef,
            String instance,
            String actor,
            String reason,
            String account,
            String sender) {
        this(
                id,
                time,
                type,
                number,
                scope,
                keyword,
                language,
                text,
                dataCoding,
                upstream,
                smscRef,
                instance,
                actor,
                reason,
                account,
                sender,
                null,
                null);
    }

    /** An event about every category (see {@link #withCategory}). */
    public ConsentEvent(
            String id,
            Instant time,
            Type type,
            String number,
            String scope,
            String keyword,
            String language,
            String text,
            Integer dataCoding,
            String upstream,
            String smscRef,
            String instance,
            String actor,
            String reason,
            String account,
            String sender,
            Long order) {
        this(
                id,
                time,
                type,
                number,
                scope,
                keyword,
                language,
                text,
                dataCoding,
                upstream,
                smscRef,
                instance,
                actor,
                reason,
                account,
                sender,
                order,
                null);
    }

    /** An event not tied to an MO (administrative changes): no account or sender. */
    public ConsentEvent(
            String id,
            Instant time,
            Type type,
            String number,
            String scope,
            String keyword,
            String language,
            String text,
            Integer dataCoding,
            String upstream,
            String smscRef,
            String instance,
            String actor,
            String reason) {
        this(
                id,
                time,
                type,
                number,
                scope,
                keyword,
                language,
                text,
                dataCoding,
                upstream,
                smscRef,
                instance,
                actor,
                reason,
                null,
                null,
                null,
                null);
    }

    /** This event with its order on the list. */
    public ConsentEvent withOrder(long listOrder) {
        return new ConsentEvent(
                id,
                time,
                type,
                number,
                scope,
                keyword,
                language,
                text,
                dataCoding,
                upstream,
                smscRef,
                instance,
                actor,
                reason,
                account,
                sender,
                listOrder,
                category,
                source,
                receivedAt,
                evidence,
                override,
                rawMo,
                ruleSet,
                consent,
                detailDigest,
                journalDigest,
                chain);
    }

    /** This event about {@code category} only ({@code null}: every category). */
    public ConsentEvent withCategory(String category) {
        return new ConsentEvent(
                id,
                time,
                type,
                number,
                scope,
                keyword,
                language,
                text,
                dataCoding,
                upstream,
                smscRef,
                instance,
                actor,
                reason,
                account,
                sender,
                order,
                category,
                source,
                receivedAt,
                evidence,
                override,
                rawMo,
                ruleSet,
                consent,
                detailDigest,
                journalDigest,
                chain);
    }

    /** This event from {@code source}. */
    public ConsentEvent withSource(Source source) {
        return withSource(source, null);
    }

    /**
     * This event from {@code source}, which the person asked for at {@code receivedAt} in another
     * channel ({@code null}: not known, or the event is that request). IllegalArgumentException
     * when a time of request is given for an MO source: the MO is the request.
     */
    public ConsentEvent withSource(Source source, Instant receivedAt) {
        if (receivedAt != null && source != null && source.fromPerson()) {
            throw new IllegalArgumentException(
                    "receivedAt is only for events from other channels, not " + source.code());
        }
        return new ConsentEvent(
                id,
                time,
                type,
                number,
                scope,
                keyword,
                language,
                text,
                dataCoding,
                upstream,
                smscRef,
                instance,
                actor,
                reason,
                account,
                sender,
                order,
                category,
                source,
                receivedAt,
                evidence,
                override,
                rawMo,
                ruleSet,
                consent,
                detailDigest,
                journalDigest,
                chain);
    }

    /**
     * This event with what justified lifting the person's own opt-out: a reference to consent
     * evidence, and/or an audited override ({@code false} leaves the field out).
     */
    public ConsentEvent withJustification(String evidence, boolean override) {
        return new ConsentEvent(
                id,
                time,
                type,
                number,
                scope,
                keyword,
                language,
                text,
                dataCoding,
                upstream,
                smscRef,
                instance,
                actor,
                reason,
                account,
                sender,
                order,
                category,
                source,
                receivedAt,
                evidence,
                override ? Boolean.TRUE : null,
                rawMo,
                ruleSet,
                consent,
                detailDigest,
                journalDigest,
                chain);
    }

    /**
     * This event with what the MO it came from carried: {@code rawMo} the user data (short_message or
     * message_payload, UDH included) in hex as received, {@code ruleSet} the version of the keyword rules
     * that matched it ({@code null} each when not known).
     */
    public ConsentEvent withMoEvidence(String rawMo, String ruleSet) {
        return new ConsentEvent(
                id,
                time,
                type,
                number,
                scope,
                keyword,
                language,
                text,
                dataCoding,
                upstream,
                smscRef,
                instance,
                actor,
                reason,
                account,
                sender,
                order,
                category,
                source,
                receivedAt,
                evidence,
                override,
                rawMo,
                ruleSet,
                consent,
                detailDigest,
                journalDigest,
                chain);
    }

    /** This event with the detail of a recorded opt-in ({@code null}: none). */
    public ConsentEvent withConsent(Consent detail) {
        return new ConsentEvent(
                id,
                time,
                type,
                number,
                scope,
                keyword,
                language,
                text,
                dataCoding,
                upstream,
                smscRef,
                instance,
                actor,
                reason,
                account,
                sender,
                order,
                category,
                source,
                receivedAt,
                evidence,
                override,
                rawMo,
                ruleSet,
                detail,
                detailDigest,
                journalDigest,
                chain);
    }

    /**
     * This event in another form of chain version 2 (docs/evidence.md): {@code detailDigest} set when its detail
     * was dropped, {@code journalDigest} set when only the journal keeps part of it.
     */
    public ConsentEvent withDigests(String detailDigest, String journalDigest) {
        return new ConsentEvent(
                id,
                time,
                type,
                number,
                scope,
                keyword,
                language,
                text,
                dataCoding,
                upstream,
                smscRef,
                instance,
                actor,
                reason,
                account,
                sender,
                order,
                category,
                source,
                receivedAt,
                evidence,
                override,
                rawMo,
                ruleSet,
                consent,
                detailDigest,
                journalDigest,
                chain);
    }

    /** This event with its link in a hash chain ({@code null}: without one, as the link's hash covers it). */
    public ConsentEvent withChain(Chain link) {
        return new ConsentEvent(
                id,
                time,
                type,
                number,
                scope,
                keyword,
                language,
                text,
                dataCoding,
                upstream,
                smscRef,
                instance,
                actor,
                reason,
                account,
                sender,
                order,
                category,
                source,
                receivedAt,
                evidence,
                override,
                rawMo,
                ruleSet,
                consent,
                detailDigest,
                journalDigest,
                link);
    }

    /**
     * This event without what identifies the person (docs/privacy.md): {@code key} (the number's HMAC key) in
     * place of the number, and no message text, raw MO or IP address. What Redis keeps of every event in privacy
     * mode {@code hmac}, and what {@code gateway privacy erase} leaves of the number's events in the journal.
     * Idempotent.
     *
     * <p>An event of chain version 2 becomes its summary form ({@link EventForms#summary}: core, kept detail and
     * the digest of the journal-only detail, which holds the text, raw MO and opt-in wording with its IP), or its
     * minimal form when its kept detail has text (a REASON), so that its detail digest stays the one its hash
     * covers: only the number in its core differs. An event of version 1 (its hash covers its whole JSON) keeps
     * everything else, its link included, as it was.
     */
    public ConsentEvent redacted(String key) {
        if (chain != null && chain.version() == EventForms.VERSION) {
            ConsentEvent form = EventForms.isMinimal(this)
                    ? this
                    : EventForms.kept(this).text() != null ? EventForms.minimal(this) : EventForms.summary(this);
            return form.withNumber(key);
        }
        Consent c = consent == null
                ? null
                : new Consent(consent.text(), consent.textHash(), consent.url(), consent.channel(), null);
        return new ConsentEvent(
                id,
                time,
                type,
                key,
                scope,
                keyword,
                language,
                null,
                dataCoding,
                upstream,
                smscRef,
                instance,
                actor,
                reason,
                account,
                sender,
                order,
                category,
                source,
                receivedAt,
                evidence,
                override,
                null,
                ruleSet,
                c,
                detailDigest,
                journalDigest,
                chain);
    }

    /** This event with {@code number} in place of its number (everything else, its link included, as it is). */
    private ConsentEvent withNumber(String number) {
        return new ConsentEvent(
                id,
                time,
                type,
                number,
                scope,
                keyword,
                language,
                text,
                dataCoding,
                upstream,
                smscRef,
                instance,
                actor,
                reason,
                account,
                sender,
                order,
                category,
                source,
                receivedAt,
                evidence,
                override,
                rawMo,
                ruleSet,
                consent,
                detailDigest,
                journalDigest,
                chain);
    }

    /** Whether this event carries a number's HMAC key instead of the number ({@link #redacted}). */
    @JsonIgnore
    public boolean isRedacted() {
        return NumberKeys.isKey(number);
    }

    /**
     * An administrative event (no message text: compact, so bulk imports stay affordable in Redis)
     * from {@code source}, recorded now.
     */
    public static ConsentEvent administrative(
            String id,
            Type type,
            String digits,
            Scope scope,
            String instance,
            String actor,
            String reason,
            Source source,
            Instant receivedAt) {
        return new ConsentEvent(
                        id,
                        Instant.now(),
                        type,
                        digits,
                        scope.code(),
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        instance,
                        actor,
                        reason)
                .withSource(source, receivedAt);
    }

    /**
     * The source as the admin API and the reports show it: {@link Source#code()}, or
     * {@value #UNKNOWN_SOURCE} for an event recorded before sources existed.
     */
    @JsonIgnore
    public String sourceLabel() {
        return source == null ? UNKNOWN_SOURCE : source.code();
    }

    /**
     * Whether the person asked for this change by a message of their own: an event from an MO
     * source, or, for an event recorded before sources existed, an opt-out or opt-in (only MO
     * keywords and phrases recorded those).
     */
    @JsonIgnore
    public boolean fromPerson() {
        if (source != null) {
            return source.fromPerson();
        }
        return type == Type.OPT_OUT || type == Type.OPT_IN;
    }

    /**
     * The list entry the event changes, relative to its number: the scope code for an event about
     * every category, {@code scope~category} for one category (as {@link SuppressionStore#entries}
     * keys them).
     */
    @JsonIgnore
    public String slot() {
        return SuppressionStore.slot(scope, category);
    }

    /**
     * Where the event stands on the list, in seconds on the scale of epoch seconds: of two changes
     * to one (number, scope), the one with the greater order wins, and on a tie the opt-out. The
     * assigned {@link #order()} when there is one, else the second of {@link #time()} (what the list
     * compared before orders existed, so old journal entries replay as they always did).
     */
    @JsonIgnore
    public long listOrder() {
        return order != null ? order : time.getEpochSecond();
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    public static String newId() {
        return UUID.randomUUID().toString();
    }

    @JsonIgnore
    public Scope parsedScope() {
        return Scope.parse(scope);
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String toJsonString() {
        return new String(toJson(), StandardCharsets.UTF_8);
    }

    public static ConsentEvent fromJson(byte[] json) {
        try {
            return JSON.readValue(json, ConsentEvent.class);
        } catch (IOException e) {
            throw new UncheckedIOException("not a consent event: " + e.getMessage(), e);
        }
    }
}
