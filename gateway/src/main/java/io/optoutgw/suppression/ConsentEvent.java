package io.optoutgw.suppression;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
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
        String category) {

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
        NARROWED;

        /** +1 suppresses, -1 lifts a suppression, 0 only documents. */
        public int effect() {
            return switch (this) {
                case OPT_OUT, ADMIN_ADD -> 1;
                case OPT_IN, ADMIN_REMOVE, NARROWED -> -1;
                case HELP, REASON -> 0;
            };
        }
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
                category);
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
                category);
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
