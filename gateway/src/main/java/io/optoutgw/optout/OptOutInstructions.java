package io.optoutgw.optout;

import io.optoutgw.config.AccountConfig;
import io.optoutgw.config.DataCodingZero;
import io.optoutgw.config.Keyword;
import io.optoutgw.config.KeywordLists;
import io.optoutgw.config.OptOutInstructionConfig;
import io.optoutgw.config.OptOutPolicy;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The opt-out instruction check of relayed messages ({@code optOut.optOutInstruction};
 * docs/consent-rules.md, "Opt-out instructions"): whether a message carries an instruction
 * ({@link InstructionRule}, with the opt-out keywords of the sender it comes from), and what the
 * account's action makes of one that does not: the text to relay with the instruction appended,
 * a refusal, or a count. The SMPP side applies the outcome. Thread-safe.
 *
 * <p>Appending: {@code " " + text} in the message's language, encoded in the message's own
 * data_coding; it must fit the segments the message already takes (GSM 7-bit: 160 septets alone,
 * 153 per part; Latin-1 and other 8-bit alphabets: 140 / 134 octets; UCS-2: 70 / 67 characters),
 * or add at most {@code maxExtraSegments}. short_message never grows beyond 254 octets; a text in
 * message_payload may. One part of a concatenated message (UDH or SAR) cannot grow beyond its
 * part. A text that cannot be encoded in the message's alphabet, or does not fit, is not appended.
 */
public final class OptOutInstructions {

    private static final Logger log = LoggerFactory.getLogger(OptOutInstructions.class);

    /** What the check made of a message: the {@code result} label of the metric. */
    public enum Result {
        /** The message carries an instruction: relayed as it came. */
        PRESENT,
        /** The account's text was appended: relayed with it. */
        APPENDED,
        /** Refused with the account's status: not relayed. */
        REFUSED,
        /**
         * No instruction, relayed unchanged: under {@code count}, or for the last part of a
         * concatenated message under {@code refuse} or when the text does not fit the part.
         */
        MISSING,
        /** Not text (binary data_coding, undecodable): relayed unchanged. */
        SKIPPED;

        /** The metric label. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The outcome for one message. Under {@link Result#APPENDED} exactly one of
     * {@code shortMessage} (the new short_message) and {@code messagePayload} (the new
     * message_payload value) is set; {@code detail} says why, for logs.
     */
    public record Outcome(Result result, byte[] shortMessage, byte[] messagePayload, String detail) {
        static Outcome of(Result result, String detail) {
            return new Outcome(result, null, null, detail);
        }
    }

    /** SMPP 3.4 section 5.3.2.19 language_indicator values the heuristics knows, by language. */
    private static final String[] LANGUAGE_INDICATOR = {null, "en", "fr", "es", "de", "pt"};

    /** Words that occur in one of the three languages only, to tell a message's language. */
    private static final Map<String, Set<String>> MARKERS = Map.of(
            "en",
            Set.of("THE", "YOU", "YOUR", "AND", "FOR", "WITH", "IS", "ARE", "OUR", "THIS", "OF", "NOW", "TODAY", "GET"),
            "fr",
            Set.of(
                    "LE", "LES", "DES", "DU", "VOUS", "VOTRE", "VOS", "NOUS", "EST", "ET", "POUR", "AVEC", "SUR", "UNE",
                    "DANS", "AUX", "CE", "CETTE", "SONT", "PAS", "AUJOURD"),
            "es",
            Set.of(
                    "EL", "LOS", "LAS", "DEL", "USTED", "SU", "SUS", "ES", "Y", "PARA", "CON", "POR", "UNA", "ESTE",
                    "ESTA", "TU", "NUESTRO", "NUESTRA", "AHORA", "HOY"));

    /** short_message holds at most 254 octets (SMPP 3.4 section 5.2.21). */
    static final int SHORT_MESSAGE_MAX = 254;

    /** Each rule with the account configuration it was built from: a reloaded one builds it again. */
    private final Map<String, Built> rules = new ConcurrentHashMap<>();

    private record Built(AccountConfig account, InstructionRule rule) {}

    private final Map<DataCodingZero, TextDecoder> decoders = new EnumMap<>(DataCodingZero.class);

    public OptOutInstructions() {
        for (DataCodingZero z : DataCodingZero.values()) {
            decoders.put(z, new TextDecoder(z));
        }
    }

    /**
     * Checks every account's instruction texts before start-up goes on: each must name one of
     * the opt-out keywords of the account and of each of its senders with their own lists (an
     * instruction naming a keyword the gateway does not honour would mislead). A text outside the
     * GSM 7-bit alphabet is logged: it can be appended only to messages in an alphabet that has
     * its characters (UCS-2). Throws IllegalArgumentException naming the setting.
     */
    public static void validate(List<AccountConfig> accounts) {
        for (AccountConfig a : accounts) {
            OptOutInstructionConfig c = a.optOut().optOutInstruction();
            if (c == null) {
                continue;
            }
            List<String> owners = new ArrayList<>();
            owners.add(null);
            owners.addAll(a.optOut().senderKeywords().keySet());
            c.text().forEach((language, text) -> {
                for (String sender : owners) {
                    if (!rule(a, sender).namesKeyword(text)) {
                        throw new IllegalArgumentException(
                                "accounts[" + a.systemId() + "].optOut.optOutInstruction.text."
                                        + language + ": '" + text + "' names none of the opt-out keywords"
                                        + (sender == null ? " of the account" : " of sender " + sender)
                                        + " (optOut.keywords, or the defaults: STOP, ARRET, BAJA, ...)");
                    }
                }
                if (Gsm7.encodeUnpacked(" " + text) == null) {
                    log.warn(
                            "accounts[{}].optOut.optOutInstruction.text.{} has characters outside the GSM 7-bit"
                                    + " alphabet: it can be appended to UCS-2 messages only",
                            a.systemId(),
                            language);
                }
            });
        }
    }

    /**
     * The outcome for a message of {@code account} from {@code sender} (canonical) in
     * {@code category} (null when the account declares none); {@code null} when the message is not
     * checked: the account has no check, its category is not covered, or it is a part of a
     * concatenated message other than the last (the message is judged, and counted, once: on its
     * last part).
     *
     * @param dataCodingZero    what data_coding 0 means on the upstream the message goes to
     * @param languageIndicator the submit's language_indicator TLV (0x020D), or -1 when absent
     */
    public Outcome check(
            AccountConfig account,
            String sender,
            String category,
            SmContent content,
            DataCodingZero dataCodingZero,
            int languageIndicator) {
        OptOutInstructionConfig config = account.optOut().optOutInstruction();
        if (config == null || !config.covers(category)) {
            return null;
        }
        MessageText decoded = decoders.get(dataCodingZero).decode(content);
        if (!(decoded instanceof MessageText.Text text)) {
            return Outcome.of(Result.SKIPPED, ((MessageText.NotScannable) decoded).detail());
        }
        Concat concat = decoded.concat();
        if (concat != null && concat.sequence() != concat.total()) {
            return null;
        }
        String key = account.systemId() + "/" + (senderHasOwnKeywords(account, sender) ? sender : "");
        Built built = rules.get(key);
        if (built == null || built.account() != account) {
            built = new Built(account, rule(account, sender));
            rules.put(key, built);
        }
        InstructionRule rule = built.rule();
        if (rule.carries(text.text())) {
            return Outcome.of(Result.PRESENT, null);
        }
        String why = concat != null ? "a concatenated message: its earlier parts were relayed" : null;
        return switch (config.action()) {
            case COUNT -> Outcome.of(Result.MISSING, null);
            case REFUSE -> concat != null ? Outcome.of(Result.MISSING, why) : Outcome.of(Result.REFUSED, null);
            case APPEND -> {
                String language = language(text.text(), languageIndicator, config);
                Outcome appended = append(content, text, config.textFor(language), config.maxExtraSegments());
                if (appended.result() == Result.APPENDED) {
                    yield appended;
                }
                yield concat != null
                        ? Outcome.of(Result.MISSING, appended.detail() + "; " + why)
                        : Outcome.of(Result.REFUSED, appended.detail());
            }
        };
    }

    /** Whether {@code text} carries an instruction for {@code account}'s messages from {@code sender}. */
    public boolean carries(AccountConfig account, String sender, String text) {
        return rule(account, sender).carries(text);
    }

    private static boolean senderHasOwnKeywords(AccountConfig account, String sender) {
        return sender != null && account.optOut().senderKeywords().containsKey(sender);
    }

    /** The rule with the opt-out keywords of {@code sender} (its own lists, else the account's, else the defaults). */
    private static InstructionRule rule(AccountConfig account, String sender) {
        OptOutPolicy p = account.optOut();
        KeywordLists own = sender == null ? null : p.senderKeywords().get(sender);
        KeywordLists lists = own != null ? own : p.keywords();
        List<Keyword> optOut = lists != null && lists.optOut() != null
                ? lists.optOut()
                : KeywordConfig.defaults().optOut();
        OptOutInstructionConfig c = p.optOutInstruction();
        return new InstructionRule(optOut, c == null ? List.of() : c.text().values());
    }

    /**
     * The language to append in: the submit's language_indicator when it names a language with a
     * text; else, among English, French and Spanish, the one most of whose common words the
     * message uses, when that language has a text; else English.
     */
    static String language(String text, int languageIndicator, OptOutInstructionConfig config) {
        if (languageIndicator > 0 && languageIndicator < LANGUAGE_INDICATOR.length) {
            String l = LANGUAGE_INDICATOR[languageIndicator];
            if (config.text().containsKey(l)) {
                return l;
            }
        }
        Map<String, Integer> score = new HashMap<>();
        for (List<InstructionRule.Word> clause : InstructionRule.clauses(TextNormalizer.fold(text))) {
            for (InstructionRule.Word w : clause) {
                MARKERS.forEach((l, words) -> {
                    if (words.contains(w.text())) {
                        score.merge(l, 1, Integer::sum);
                    }
                });
            }
        }
        String best = "en";
        int bestScore = score.getOrDefault("en", 0);
        for (String l : new String[] {"fr", "es"}) {
            int s = score.getOrDefault(l, 0);
            if (s > bestScore && config.text().containsKey(l)) {
                best = l;
                bestScore = s;
            }
        }
        return best;
    }

    /** Capacities of one alphabet: units alone in an SMS, units per part of a concatenated one, octets per unit. */
    private record Capacity(int single, int perPart, int octetsPerUnit) {
        static final Capacity SEPTETS = new Capacity(160, 153, 1);
        static final Capacity OCTETS = new Capacity(140, 134, 1);
        static final Capacity UCS2 = new Capacity(70, 67, 2);

        int segments(int units) {
            return units <= single ? 1 : (units + perPart - 1) / perPart;
        }
    }

    /**
     * {@code instruction} appended to the message: {@link Result#APPENDED} with the new user
     * data, or {@link Result#REFUSED} with the reason it cannot be (the caller decides what that
     * means).
     */
    static Outcome append(SmContent content, MessageText.Text text, String instruction, int maxExtraSegments) {
        byte[] sm = content.shortMessage();
        boolean inPayload = sm == null || sm.length == 0;
        byte[] ud = inPayload ? (content.messagePayload() == null ? new byte[0] : content.messagePayload()) : sm;
        int udh = (content.esmClass() & 0x40) != 0 && ud.length > 0 ? 1 + (ud[0] & 0xFF) : 0;
        String existing = text.text();
        String added = existing.isEmpty() || Character.isWhitespace(existing.charAt(existing.length() - 1))
                ? instruction
                : " " + instruction;
        byte[] newUd;
        int oldUnits;
        int newUnits;
        Capacity capacity;
        TextEncoding encoding = text.encoding();
        switch (encoding) {
            case GSM7_UNPACKED -> {
                byte[] add = Gsm7.encodeUnpacked(added);
                if (add == null) {
                    return cannot("the text has characters outside the GSM 7-bit alphabet");
                }
                newUd = concat(ud, add);
                oldUnits = ud.length - udh;
                newUnits = newUd.length - udh;
                capacity = Capacity.SEPTETS;
            }
            case GSM7_PACKED -> {
                byte[] old = Gsm7.encodeUnpacked(existing);
                byte[] all = Gsm7.encodeUnpacked(existing + added);
                if (old == null || all == null) {
                    return cannot("the text has characters outside the GSM 7-bit alphabet");
                }
                byte[] header = new byte[udh];
                System.arraycopy(ud, 0, header, 0, udh);
                newUd = Gsm7.pack(header, (udh * 8 + 6) / 7, all);
                oldUnits = old.length;
                newUnits = all.length;
                capacity = Capacity.SEPTETS;
            }
            case IA5 -> {
                byte[] add = encode(StandardCharsets.US_ASCII, added);
                if (add == null) {
                    return cannot("the text is not ASCII (data_coding IA5)");
                }
                newUd = concat(ud, add);
                oldUnits = ud.length - udh;
                newUnits = newUd.length - udh;
                capacity = Capacity.SEPTETS;
            }
            case LATIN1, CYRILLIC, HEBREW -> {
                Charset cs = switch (encoding) {
                    case LATIN1 -> StandardCharsets.ISO_8859_1;
                    case CYRILLIC -> Charset.forName("ISO-8859-5");
                    default -> Charset.forName("ISO-8859-8");
                };
                byte[] add = encode(cs, added);
                if (add == null) {
                    return cannot("the text has characters outside " + cs.name());
                }
                newUd = concat(ud, add);
                oldUnits = ud.length - udh;
                newUnits = newUd.length - udh;
                capacity = Capacity.OCTETS;
            }
            case UCS2 -> {
                byte[] add = added.getBytes(StandardCharsets.UTF_16BE);
                newUd = concat(ud, add);
                oldUnits = (ud.length - udh) / 2;
                newUnits = (newUd.length - udh) / 2;
                capacity = Capacity.UCS2;
            }
            default -> {
                return cannot("cannot append to text in " + encoding);
            }
        }
        if (udh > 0 || content.sar() != null) {
            // one part (or a message with a header): it cannot grow into another part
            int room = udh > 0
                    ? (capacity == Capacity.SEPTETS
                            ? capacity.single() - (udh * 8 + 6) / 7
                            : (capacity.single() * capacity.octetsPerUnit() - udh) / capacity.octetsPerUnit())
                    : capacity.perPart();
            if (newUnits > room) {
                return cannot("it would not fit the part (" + newUnits + " of " + room + ")");
            }
        } else {
            int before = capacity.segments(oldUnits);
            int after = capacity.segments(newUnits);
            if (after > before + maxExtraSegments) {
                return cannot("the message would take " + after + " segments instead of " + before
                        + " (optOut.optOutInstruction.maxExtraSegments: " + maxExtraSegments + ")");
            }
        }
        if (!inPayload && newUd.length > SHORT_MESSAGE_MAX) {
            return cannot("short_message would exceed " + SHORT_MESSAGE_MAX + " octets");
        }
        return inPayload
                ? new Outcome(Result.APPENDED, null, newUd, null)
                : new Outcome(Result.APPENDED, newUd, null, null);
    }

    private static Outcome cannot(String why) {
        return Outcome.of(Result.REFUSED, "instruction not appended: " + why);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** {@code text} in {@code cs}, or null when a character is not in it. */
    private static byte[] encode(Charset cs, String text) {
        CharsetEncoder encoder = cs.newEncoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            ByteBuffer b = encoder.encode(CharBuffer.wrap(text));
            byte[] out = new byte[b.remaining()];
            b.get(out);
            return out;
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
