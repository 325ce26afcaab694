package io.optoutgw.consent;

import static io.optoutgw.testsupport.Esmes.submitSm;
import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static io.optoutgw.testsupport.TestGateways.eventually;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.BaseSm;
import com.cloudhopper.smpp.pdu.DeliverSm;
import com.cloudhopper.smpp.tlv.Tlv;
import com.cloudhopper.smpp.type.Address;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.optoutgw.app.Gateway;
import io.optoutgw.codec.SubmitMulti;
import io.optoutgw.simulator.ReceivedMessage;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.suppression.PhoneNumbers;
import io.optoutgw.testsupport.Esmes;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jsmpp.bean.Alphabet;
import org.jsmpp.bean.BindType;
import org.jsmpp.bean.ESMClass;
import org.jsmpp.bean.GeneralDataCoding;
import org.jsmpp.bean.NumberingPlanIndicator;
import org.jsmpp.bean.OptionalParameter;
import org.jsmpp.bean.RegisteredDelivery;
import org.jsmpp.bean.ReplaceIfPresentFlag;
import org.jsmpp.bean.SMSCDeliveryReceipt;
import org.jsmpp.bean.TypeOfNumber;
import org.jsmpp.bean.UnsuccessDelivery;
import org.jsmpp.extra.NegativeResponseException;
import org.jsmpp.session.SMPPSession;
import org.jsmpp.session.SubmitMultiResult;

/**
 * Everything {@link ConsentModelTest} drives and observes: one real redis-server, two gateway
 * instances sharing it (each with its own journal and its own SMSC simulator), a jSMPP
 * transceiver of each account on each instance, the admin API, and the {@link ConsentModel} the
 * answers are compared with. The processes live across tries; {@link #begin()} repairs whatever a
 * failed try left behind and hands out fresh phone numbers, so tries do not see each other.
 */
final class ConsentWorld implements AutoCloseable {

    static final int PERSONS = 3;
    static final int INSTANCES = 2;
    static final String[] ACCOUNTS = {"acme", "beta", "cato", "catr", "catc"};
    /**
     * Short codes: acme owns 12345 (scope account, STOP ALL global), beta owns 67890 and 67891
     * (scope sender); cato (categories marketing, alerts; revokeAll false; scope account) owns 55501
     * (marketing), 55502 (alerts) and 55503 (no category); catr (the same categories, revokeAll
     * true) owns 55504 (marketing); catc (the same categories, clarify, default alerts) owns 55505
     * (marketing).
     */
    static final String[] SHORT_CODES = {"12345", "67890", "67891", "55501", "55502", "55503", "55504", "55505"};
    /** The short code of the account with {@code optOut.clarify}. */
    static final String CLARIFYING = "55505";
    /** service_type of a submit: none, marketing, alerts (by their first five characters), not a category. */
    static final String[] SERVICE_TYPES = {"", "MARKE", "ALERT", "CMT"};
    /** Every sender spelling authorization accepts, per account, and the configured entry it stands for. */
    static final String[][] SENDERS = {
        {"12345", "+12345", " 12345", "ACME", "acme"},
        {"67890", "+67890", " 67890", "67891", "+67891"},
        {"55501", "+55501", "55502", "55503", " 55503"},
        {"55504", "+55504", " 55504", "55504", "+55504"},
        {"55505", "+55505", " 55505", "55505", "+55505"},
    };

    static final String[][] CANONICAL_SENDERS = {
        {"12345", "12345", "12345", "ACME", "ACME"},
        {"67890", "67890", "67890", "67891", "67891"},
        {"55501", "55501", "55502", "55503", "55503"},
        {"55504", "55504", "55504", "55504", "55504"},
        {"55505", "55505", "55505", "55505", "55505"},
    };
    /** Admin scopes (short codes as stored; "~category" for one category, sent as the category parameter). */
    static final String[] ADMIN_SCOPES = {
        "g",
        "a:acme",
        "a:beta",
        "s:acme:12345",
        "s:acme:ACME",
        "s:beta:67890",
        "s:beta:67891",
        "a:cato",
        "a:cato~marketing",
        "a:catr~alerts"
    };
    /** The scopes a CSV import may name (it takes no category). */
    static final String[] IMPORT_SCOPES = {
        "g", "a:acme", "a:beta", "s:acme:12345", "s:acme:ACME", "s:beta:67890", "s:beta:67891", "a:cato"
    };

    private static final Duration WAIT = Duration.ofSeconds(5);
    /** Redis command timeout: long enough that a busy machine is not mistaken for a frozen Redis. */
    private static final Duration REDIS_TIMEOUT = Duration.ofMillis(1500);

    private static final String TOKEN = "consent-model-token";
    private static final int ROK = 0;
    private static final int RINVDSTADR = 0x0B;
    private static final int RTHROTTLED = 0x58;
    private static final ObjectMapper JSON = new ObjectMapper();

    private RedisServerProcess redis;
    private boolean redisPaused;
    private final SmscSimulator[] sims = new SmscSimulator[INSTANCES];
    private final Gateway[] gateways = new Gateway[INSTANCES];
    private final String[] journals = new String[INSTANCES];
    private final SMPPSession[][] esmes = new SMPPSession[INSTANCES][ACCOUNTS.length];
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private long run;
    private long markerCounter;
    private long submitCounter;
    private String[] persons;
    private ConsentModel model;
    private final List<MoSpec> history = new ArrayList<>();
    private final List<String> refusedMarkers = new ArrayList<>();
    /** submit_multi marker -> the only numbers it may have reached (the ones not opted out). */
    private final Map<String, Set<String>> multiAllowed = new HashMap<>();
    /** Keyword MO answered other than ESME_ROK while Redis was frozen: (MoSpec, instance). */
    private final List<Object[]> unacknowledged = new ArrayList<>();

    /** A single-part MO as the SMSC delivers it. */
    record MoSpec(int person, byte sourceTon, String source, String shortCode, String text) {}

    // ---- life cycle ---------------------------------------------------------------------------

    /** Starts (or repairs) every process and begins a try with fresh numbers and an empty model. */
    void begin() throws Exception {
        if (redis == null) {
            redis = RedisServerProcess.start();
        }
        if (redisPaused) {
            redis.resume();
            redisPaused = false;
        }
        if (!redis.isAlive()) {
            redis.restart();
        }
        for (int i = 0; i < INSTANCES; i++) {
            if (sims[i] == null) {
                sims[i] = new SmscSimulator(SimulatorOptions.defaults()).start();
                journals[i] = TestGateways.tempJournalDir("consent-gw" + i);
            }
            if (gateways[i] == null) {
                startGateway(i);
            }
            bindEsmes(i);
            sims[i].clearRecords();
        }
        for (int i = 0; i < INSTANCES; i++) {
            markerBarrier(i);
        }
        run++;
        persons = new String[PERSONS];
        for (int p = 0; p < PERSONS; p++) {
            // valid NANP numbers (area code 201, exchange 2xx-9xx) unique to this try: national
            // spellings of a destination must be valid numbers of the account's region
            persons[p] = "1201" + (2_000_000 + (run % 1_000_000) * 4 + p);
        }
        model = new ConsentModel(PERSONS);
        history.clear();
        refusedMarkers.clear();
        multiAllowed.clear();
    }

    private void startGateway(int i) throws Exception {
        String rest = """
                relay: { requestTimeout: 5s }
                suppression: { checkTimeout: 1500ms }
                optout: { recordTimeout: 2s, reconcileInterval: 1s, journalDir: "%s", replyCap: { max: 0 } }
                upstreams:
                  - { name: sim, host: 127.0.0.1, port: %d, systemId: gw, binds: 1,
                      reconnectInitialDelay: 50ms, reconnectMaxDelay: 200ms }
                accounts:
                  - { systemId: acme, password: pw, numbers: ["12345"], senderIds: ["ACME"],
                      optOut: { scope: account, maxScope: global } }
                  - { systemId: beta, password: pw, numbers: ["67890", "67891"], optOut: { scope: sender } }
                  - { systemId: cato, password: pw, numbers: ["55501", "55502", "55503"],
                      optOut: { scope: account, categories: [marketing, alerts], defaultCategory: alerts,
                                senderCategories: {"55501": marketing, "55502": alerts}, revokeAll: false } }
                  - { systemId: catr, password: pw, numbers: ["55504"],
                      optOut: { scope: account, categories: [marketing, alerts],
                                senderCategories: {"55504": marketing}, revokeAll: true } }
                  - { systemId: catc, password: pw, numbers: ["55505"],
                      optOut: { scope: account, categories: [marketing, alerts], defaultCategory: alerts,
                                senderCategories: {"55505": marketing}, clarify: true, clarifyWindow: 1h } }
                """.formatted(journals[i], sims[i].port());
        for (int attempt = 1; ; attempt++) {
            try {
                gateways[i] = TestGateways.start("consent-gw" + i, redis.uri(), rest, TOKEN, REDIS_TIMEOUT);
                break;
            } catch (Exception e) {
                if (attempt == 3) {
                    throw e; // a slow start-up on a busy machine is retried, a broken one is not hidden
                }
            }
        }
        awaitBound(gateways[i]);
    }

    private void bindEsmes(int i) throws Exception {
        for (int a = 0; a < ACCOUNTS.length; a++) {
            SMPPSession s = esmes[i][a];
            if (s != null && s.getSessionState().isBound()) {
                continue;
            }
            if (s != null) {
                s.unbindAndClose();
            }
            esmes[i][a] = Esmes.bind(gateways[i].smppPort(), BindType.BIND_TRX, ACCOUNTS[a], "pw", new Esmes.Inbox());
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < INSTANCES; i++) {
            for (int a = 0; a < ACCOUNTS.length; a++) {
                if (esmes[i][a] != null) {
                    esmes[i][a].unbindAndClose();
                }
            }
            if (gateways[i] != null) {
                gateways[i].close();
            }
            if (sims[i] != null) {
                sims[i].close();
            }
        }
        if (redis != null) {
            if (redisPaused) {
                redis.resume();
            }
            redis.close();
        }
    }

    ConsentModel model() {
        return model;
    }

    /** The model's view, printed with a failing chain. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("model:");
        for (int p = 0; p < PERSONS; p++) {
            b.append(" p")
                    .append(p + 1)
                    .append(" opted out ")
                    .append(model.describe(p))
                    .append(", replies ")
                    .append(model.minReplies(p))
                    .append(model.minReplies(p) == model.maxReplies(p) ? "" : ".." + model.maxReplies(p))
                    .append(p < PERSONS - 1 ? ";" : "");
        }
        return b.toString();
    }

    String person(int p) {
        return persons[p];
    }

    // ---- MO -----------------------------------------------------------------------------------

    /** The keyword texts the model knows; anything else is free text. */
    static ConsentModel.Effect effect(String text) {
        return switch (text) {
            case "STOP", "stop", "STOP ALL" -> ConsentModel.Effect.OPT_OUT;
            case "START", "Start" -> ConsentModel.Effect.OPT_IN;
            case "HELP" -> ConsentModel.Effect.NONE;
            default -> null;
        };
    }

    /** What {@code text} to {@code shortCode} does: "STOP marketing" and "START alerts" are keywords where the owner has categories. */
    static ConsentModel.Effect effect(String shortCode, String text) {
        boolean categories = shortCode.startsWith("555");
        return switch (text) {
            case "STOP marketing" -> categories ? ConsentModel.Effect.OPT_OUT : null;
            case "START alerts" -> categories ? ConsentModel.Effect.OPT_IN : null;
            default -> effect(text);
        };
    }

    /**
     * Where a keyword to {@code shortCode} applies, per the accounts' optOut settings: the scope
     * code, with "~category" when it is about one category.
     */
    static String scopeOf(String shortCode, String text) {
        ConsentModel.Effect e = effect(shortCode, text);
        if (e == null || e == ConsentModel.Effect.NONE) {
            return null;
        }
        boolean all = text.equals("STOP ALL");
        String named = switch (text) {
            case "STOP marketing" -> "marketing";
            case "START alerts" -> "alerts";
            default -> null;
        };
        switch (shortCode) {
            case "12345":
                return all ? "g" : "a:acme";
            case "55501", "55502", "55503": {
                // revokeAll false: STOP ALL is every category, a named category that one, else the code's
                String category = all
                        ? null
                        : named != null
                                ? named
                                : shortCode.equals("55501") ? "marketing" : shortCode.equals("55502") ? "alerts" : null;
                return category == null ? "a:cato" : "a:cato~" + category;
            }
            case "55504":
                // revokeAll true: every opt-out and a plain opt-in cover every category; "START alerts" alerts
                return e == ConsentModel.Effect.OPT_IN && named != null ? "a:catr~" + named : "a:catr";
            case CLARIFYING:
                // clarify: a plain STOP covers every category until answered, a plain START every one too
                return named != null && !all ? "a:catc~" + named : "a:catc";
            default:
                return all ? "a:beta" : "s:beta:" + shortCode;
        }
    }

    /** The category a submit of {@code account} with service_type {@code SERVICE_TYPES[serviceType]} has. */
    static String categoryOf(int account, int serviceType) {
        String st = SERVICE_TYPES[serviceType % SERVICE_TYPES.length];
        return switch (ACCOUNTS[account]) {
            case "cato" -> st.equals("MARKE") ? "marketing" : "alerts"; // defaultCategory alerts
            case "catr" -> st.equals("ALERT") ? "alerts" : "marketing"; // default: the first, marketing
            case "catc" -> st.equals("MARKE") ? "marketing" : "alerts"; // defaultCategory alerts
            default -> null;
        };
    }

    /** The person's number as the SMSC writes it in the MO: 0 = TON 1 digits, 1 = TON 1 "+digits", 2 = TON 0 "+digits". */
    MoSpec moSpec(int person, int spelling, String shortCode, String text) {
        String d = persons[person];
        return switch (spelling % 3) {
            case 0 -> new MoSpec(person, (byte) 1, d, shortCode, text);
            case 1 -> new MoSpec(person, (byte) 1, "+" + d, shortCode, text);
            default -> new MoSpec(person, (byte) 0, "+" + d, shortCode, text);
        };
    }

    /** Delivers one single-part MO to instance {@code i} and checks the answer against the model. */
    void mo(MoSpec spec, int i) throws Exception {
        history.add(spec);
        int status = inject(
                i,
                deliverSm(
                        spec.sourceTon(),
                        spec.source(),
                        spec.shortCode(),
                        spec.text().getBytes(StandardCharsets.ISO_8859_1),
                        0));
        acknowledged(spec, i, status);
    }

    /** A redelivery of the {@code back}-th most recent single-part MO (nothing if there was none). */
    void redeliver(int back, int i) throws Exception {
        if (history.isEmpty()) {
            return;
        }
        mo(history.get(Math.max(0, history.size() - 1 - back % history.size())), i);
    }

    /** "1" or "2" to the clarifying short code: an answer when a question stands, else free text. */
    static boolean clarifyAnswer(MoSpec spec) {
        return spec.shortCode().equals(CLARIFYING)
                && (spec.text().equals("1") || spec.text().equals("2"));
    }

    private void acknowledged(MoSpec spec, int i, int status) {
        if (clarifyAnswer(spec)) {
            // whether it answers a question is read from Redis: while it is frozen the SMSC must retry
            if (redisPaused) {
                if (status == ROK) {
                    throw new AssertionError("\"" + spec.text() + "\" " + spec + " acknowledged ESME_ROK on gw" + i
                            + " while Redis was frozen: whether it answers a clarification cannot be known");
                }
                unacknowledged.add(new Object[] {spec, i});
                return;
            }
            if (status != ROK) {
                throw new AssertionError("MO " + spec + " on gw" + i + " answered 0x" + Integer.toHexString(status)
                        + " instead of ESME_ROK");
            }
            if (model.awaitingClarification(spec.person(), spec.shortCode()) != null) {
                model.clarificationAnswered(spec.person(), spec.shortCode(), "a:catc", spec.text());
            }
            return;
        }
        ConsentModel.Effect e = effect(spec.shortCode(), spec.text());
        if (redisPaused) {
            if (e != null && status == ROK) {
                throw new AssertionError("keyword MO " + spec + " acknowledged ESME_ROK on gw" + i
                        + " while Redis was frozen: it cannot have been written to Redis");
            }
            if (e != null) {
                unacknowledged.add(new Object[] {spec, i});
            }
            return;
        }
        if (e == null) {
            return; // free text: relayed to the owner's ESME, not consent
        }
        if (status != ROK) {
            throw new AssertionError("keyword MO " + spec + " on gw" + i + " answered 0x" + Integer.toHexString(status)
                    + " instead of ESME_ROK");
        }
        model.keywordAcknowledged(
                spec.person(), spec.shortCode(), spec.text(), e, scopeOf(spec.shortCode(), spec.text()));
        if (spec.shortCode().equals(CLARIFYING) && e != ConsentModel.Effect.NONE) {
            if (spec.text().equalsIgnoreCase("STOP")) {
                model.clarificationAsked(spec.person(), spec.shortCode(), "marketing");
            } else {
                model.clarificationDropped(spec.person(), spec.shortCode());
            }
        }
    }

    /** Redelivers {@code spec} to instance {@code i} until it is acknowledged (the SMSC's retry). */
    void redeliverUntilAcknowledged(MoSpec spec, int i) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            int status = inject(
                    i,
                    deliverSm(
                            spec.sourceTon(),
                            spec.source(),
                            spec.shortCode(),
                            spec.text().getBytes(StandardCharsets.ISO_8859_1),
                            0));
            if (status == ROK) {
                history.add(spec);
                acknowledged(spec, i, status);
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("MO " + spec + " still answered 0x" + Integer.toHexString(status) + " on gw"
                        + i + " 10 s after Redis came back");
            }
            Thread.sleep(100);
        }
    }

    /**
     * "STOP" in concatenated parts ({@code cut} = where the text is cut), delivered in {@code order}
     * (part indexes), part k to instance {@code instances.get(k)}. Only the part that completes the
     * message carries the outcome; the others are relayed as ordinary MO.
     */
    void concatenatedStop(
            int person, String shortCode, List<Integer> cuts, List<Integer> order, List<Integer> instances, int ref)
            throws Exception {
        String text = "STOP";
        List<String> parts = new ArrayList<>();
        int from = 0;
        for (int c : cuts) {
            parts.add(text.substring(from, c));
            from = c;
        }
        parts.add(text.substring(from));
        MoSpec spec = moSpec(person, 0, shortCode, text);
        int last = -1;
        int lastInstance = 0;
        for (int k = 0; k < order.size(); k++) {
            int part = order.get(k);
            byte[] udh = {5, 0, 3, (byte) ref, (byte) parts.size(), (byte) (part + 1)};
            byte[] body = parts.get(part).getBytes(StandardCharsets.ISO_8859_1);
            byte[] sm = new byte[udh.length + body.length];
            System.arraycopy(udh, 0, sm, 0, udh.length);
            System.arraycopy(body, 0, sm, udh.length, body.length);
            lastInstance = instances.get(k % instances.size()) % INSTANCES;
            last = inject(lastInstance, deliverSm(spec.sourceTon(), spec.source(), shortCode, sm, 0x40));
        }
        acknowledged(spec, lastInstance, last);
    }

    private static DeliverSm deliverSm(byte sourceTon, String source, String shortCode, byte[] sm, int esmClass)
            throws Exception {
        DeliverSm mo = new DeliverSm();
        mo.setSourceAddress(new Address(sourceTon, (byte) 1, source));
        mo.setDestAddress(new Address((byte) 0, (byte) 1, shortCode));
        mo.setDataCoding((byte) 0);
        mo.setEsmClass((byte) esmClass);
        mo.setShortMessage(sm);
        return mo;
    }

    /** deliver_sm_resp status, or -1 when none came (the SMSC would retry). */
    private int inject(int i, DeliverSm mo) throws Exception {
        try {
            return sims[i].injectMo(mo).get(15, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            if (!redisPaused) {
                throw new AssertionError("MO to gw" + i + " got no answer: " + e, e);
            }
            return -1;
        }
    }

    // ---- admin API ----------------------------------------------------------------------------

    /** The number as an operator types it: 0 = "+E164", 1 = national (region US), 2 = E.164 digits without '+'. */
    String adminNumber(int person, int spelling) {
        String d = persons[person];
        return switch (spelling % 3) {
            case 0 -> "+" + d;
            case 1 -> d.substring(1);
            default -> d;
        };
    }

    void adminAdd(int person, String scope, int spelling, int i) throws Exception {
        int tilde = scope.indexOf('~');
        var node = JSON.createObjectNode()
                .put("number", adminNumber(person, spelling))
                .put("scope", tilde < 0 ? scope : scope.substring(0, tilde))
                .put("reason", "model")
                .put("actor", "model");
        if (tilde >= 0) {
            node.put("category", scope.substring(tilde + 1));
        }
        String body = node.toString();
        HttpResponse<String> r = send(
                i,
                HttpRequest.newBuilder(api(i, "/api/suppressions?region=US"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)));
        expect200(r, "add " + scope);
        model.adminChange(person, scope, true);
    }

    void adminRemove(int person, String scope, int spelling, int i) throws Exception {
        int tilde = scope.indexOf('~');
        String where = tilde < 0
                ? "&scope=" + enc(scope)
                : "&scope=" + enc(scope.substring(0, tilde)) + "&category=" + enc(scope.substring(tilde + 1));
        // an override, so that the person's own STOP is lifted as any other entry (the model has no re-subscribe
        // guard; AdminApiTest tests the guard)
        HttpResponse<String> r = send(
                i,
                HttpRequest.newBuilder(api(
                                i,
                                "/api/suppressions/" + enc(adminNumber(person, spelling)) + "?region=US" + where
                                        + "&reason=model&actor=model&override=true"))
                        .DELETE());
        expect200(r, "remove " + scope);
        model.adminChange(person, scope, false);
    }

    /** CSV import of {@code rows} (person, scope, spelling), one add each. */
    void importCsv(List<int[]> rows, int i) throws Exception {
        StringBuilder csv = new StringBuilder("number,scope\n");
        for (int[] row : rows) {
            csv.append(adminNumber(row[0], row[2]))
                    .append(',')
                    .append(IMPORT_SCOPES[row[1] % IMPORT_SCOPES.length])
                    .append('\n');
        }
        HttpResponse<String> r = send(
                i,
                HttpRequest.newBuilder(api(i, "/api/suppressions/import?region=US&reason=model" + "&actor=model"))
                        .POST(HttpRequest.BodyPublishers.ofString(csv.toString())));
        expect200(r, "import");
        JsonNode result = JSON.readTree(r.body());
        if (result.get("imported").asLong() != rows.size()) {
            throw new AssertionError("import of " + rows.size() + " rows on gw" + i + " answered " + r.body());
        }
        for (int[] row : rows) {
            model.adminChange(row[0], IMPORT_SCOPES[row[1] % IMPORT_SCOPES.length], true);
        }
    }

    private URI api(int i, String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + gateways[i].httpPort() + pathAndQuery);
    }

    private HttpResponse<String> send(int i, HttpRequest.Builder b) throws Exception {
        return http.send(
                b.header("Authorization", "Bearer " + TOKEN)
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void expect200(HttpResponse<String> r, String what) {
        if (r.statusCode() != 200) {
            throw new AssertionError("admin " + what + " answered " + r.statusCode() + ": " + r.body());
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    // ---- submits ------------------------------------------------------------------------------

    /** Kinds of submit an ESME can send. */
    enum SubmitKind {
        SUBMIT_SM,
        DATA_SM
    }

    /** Every spelling of a destination that authorization accepts for the person: TON and address. */
    static final int DEST_SPELLINGS = 7;

    private TypeOfNumber destTon(int spelling) {
        return switch (spelling % DEST_SPELLINGS) {
            case 0, 1 -> TypeOfNumber.INTERNATIONAL;
            case 4 -> TypeOfNumber.NATIONAL;
            default -> TypeOfNumber.UNKNOWN;
        };
    }

    private String destAddress(int person, int spelling) {
        String d = persons[person];
        return switch (spelling % DEST_SPELLINGS) {
            case 0, 3 -> d; // TON 1 "1555...", TON 0 "1555..."
            case 1, 2 -> "+" + d; // TON 1 "+1555...", TON 0 "+1555..."
            case 4, 5 -> d.substring(1); // TON 2 / TON 0 national "555..."
            default -> "00" + d; // TON 0 "001555..."
        };
    }

    static String describeDest(int spelling) {
        return switch (spelling % DEST_SPELLINGS) {
            case 0 -> "TON1 D";
            case 1 -> "TON1 +D";
            case 2 -> "TON0 +D";
            case 3 -> "TON0 D";
            case 4 -> "TON2 national";
            case 5 -> "TON0 national";
            default -> "TON0 00D";
        };
    }

    /** submit_sm or data_sm from {@code account}'s ESME on instance {@code i}; the answer and the SMSC are checked. */
    void submit(SubmitKind kind, int account, int senderSpelling, int person, int destSpelling, int i)
            throws Exception {
        submit(kind, account, senderSpelling, person, destSpelling, 0, i);
    }

    /** As above, with service_type {@code SERVICE_TYPES[serviceType]} (the category of a category account's submit). */
    void submit(SubmitKind kind, int account, int senderSpelling, int person, int destSpelling, int serviceType, int i)
            throws Exception {
        String st = SERVICE_TYPES[serviceType % SERVICE_TYPES.length];
        String category = categoryOf(account, serviceType);
        String sender = SENDERS[account][senderSpelling % SENDERS[account].length];
        String canonical = CANONICAL_SENDERS[account][senderSpelling % SENDERS[account].length];
        String marker = "mk-" + run + "-" + (++submitCounter);
        byte[] text = marker.getBytes(StandardCharsets.ISO_8859_1);
        SMPPSession s = esmes[i][account];
        int status;
        try {
            if (kind == SubmitKind.SUBMIT_SM) {
                submitSm(s)
                        .serviceType(st)
                        .from(sender)
                        .to(destTon(destSpelling), NumberingPlanIndicator.ISDN, destAddress(person, destSpelling))
                        .message(text)
                        .send();
            } else {
                s.dataShortMessage(
                        st,
                        TypeOfNumber.UNKNOWN,
                        NumberingPlanIndicator.UNKNOWN,
                        sender,
                        destTon(destSpelling),
                        NumberingPlanIndicator.ISDN,
                        destAddress(person, destSpelling),
                        new ESMClass(),
                        new RegisteredDelivery(SMSCDeliveryReceipt.DEFAULT),
                        new GeneralDataCoding(Alphabet.ALPHA_DEFAULT),
                        new OptionalParameter.OctetString(OptionalParameter.Tag.MESSAGE_PAYLOAD.code(), text));
            }
            status = ROK;
        } catch (NegativeResponseException e) {
            status = e.getCommandStatus();
        }
        boolean relayed = relayed(marker);
        String what = kind + " " + ACCOUNTS[account] + " from \"" + sender + "\""
                + (category == null ? "" : " category " + category) + " to p" + (person + 1) + " ("
                + describeDest(destSpelling) + ") on gw" + i;
        if (redisPaused) {
            if (status != RTHROTTLED || relayed) {
                throw new AssertionError(what + " while Redis was frozen: expected ESME_RTHROTTLED and nothing at the "
                        + "SMSC, got 0x" + Integer.toHexString(status) + (relayed ? " and it reached the SMSC" : ""));
            }
            refusedMarkers.add(marker);
            return;
        }
        boolean suppressed = model.suppressed(person, ACCOUNTS[account], canonical, category);
        if (suppressed && (status != RINVDSTADR || relayed)) {
            throw new AssertionError(what + ": p" + (person + 1) + " is opted out " + model.describe(person)
                    + ", expected refusal 0x0b with nothing at the SMSC, got 0x" + Integer.toHexString(status)
                    + (relayed ? " and it REACHED the SMSC" : ""));
        }
        if (!suppressed && (status != ROK || !relayed)) {
            throw new AssertionError(what + ": p" + (person + 1) + " is not opted out for this sender "
                    + model.describe(person) + ", expected ESME_ROK and the SMSC to have it, got 0x"
                    + Integer.toHexString(status) + (relayed ? "" : ", not at the SMSC"));
        }
        if (suppressed) {
            refusedMarkers.add(marker);
        }
    }

    /** submit_multi to {@code dests} (pairs of person, spelling; distinct persons). */
    void submitMulti(int account, int senderSpelling, List<int[]> dests, int i) throws Exception {
        submitMulti(account, senderSpelling, dests, 0, i);
    }

    /** As above, with service_type {@code SERVICE_TYPES[serviceType]}. */
    void submitMulti(int account, int senderSpelling, List<int[]> dests, int serviceType, int i) throws Exception {
        String st = SERVICE_TYPES[serviceType % SERVICE_TYPES.length];
        String category = categoryOf(account, serviceType);
        String sender = SENDERS[account][senderSpelling % SENDERS[account].length];
        String canonical = CANONICAL_SENDERS[account][senderSpelling % SENDERS[account].length];
        String marker = "mk-" + run + "-" + (++submitCounter);
        org.jsmpp.bean.Address[] addresses = new org.jsmpp.bean.Address[dests.size()];
        Set<String> expectRefused = new TreeSet<>();
        Set<String> expectRelayed = new TreeSet<>();
        for (int k = 0; k < dests.size(); k++) {
            int p = dests.get(k)[0];
            addresses[k] = new org.jsmpp.bean.Address(
                    destTon(dests.get(k)[1]), NumberingPlanIndicator.ISDN, destAddress(p, dests.get(k)[1]));
            (model.suppressed(p, ACCOUNTS[account], canonical, category) ? expectRefused : expectRelayed)
                    .add(persons[p]);
        }
        int status;
        Set<String> refused = new TreeSet<>();
        try {
            SubmitMultiResult result = esmes[i][account].submitMultiple(
                    st,
                    TypeOfNumber.UNKNOWN,
                    NumberingPlanIndicator.UNKNOWN,
                    sender,
                    addresses,
                    new ESMClass(),
                    (byte) 0,
                    (byte) 1,
                    null,
                    null,
                    new RegisteredDelivery(SMSCDeliveryReceipt.DEFAULT),
                    ReplaceIfPresentFlag.DEFAULT,
                    new GeneralDataCoding(Alphabet.ALPHA_DEFAULT),
                    (byte) 0,
                    marker.getBytes(StandardCharsets.ISO_8859_1));
            status = ROK;
            if (result.getUnsuccessDeliveries() != null) {
                for (UnsuccessDelivery u : result.getUnsuccessDeliveries()) {
                    refused.add(digits(
                            u.getDestinationAddress().getTon(),
                            u.getDestinationAddress().getAddress()));
                }
            }
        } catch (NegativeResponseException e) {
            status = e.getCommandStatus();
        }
        Set<String> atSmsc = relayedMulti(marker);
        StringBuilder what = new StringBuilder("submit_multi ")
                .append(ACCOUNTS[account])
                .append(" from \"")
                .append(sender)
                .append(category == null ? "\"" : "\" category " + category)
                .append(" to");
        for (int[] d : dests) {
            what.append(" p")
                    .append(d[0] + 1)
                    .append(" (")
                    .append(describeDest(d[1]))
                    .append(')');
        }
        what.append(" on gw").append(i);
        if (redisPaused) {
            if (status != RTHROTTLED || !atSmsc.isEmpty()) {
                throw new AssertionError(what + " while Redis was frozen: expected ESME_RTHROTTLED and nothing at the "
                        + "SMSC, got 0x" + Integer.toHexString(status) + ", SMSC got " + atSmsc);
            }
            multiAllowed.put(marker, Set.of());
            return;
        }
        if (status != ROK || !refused.equals(expectRefused) || !atSmsc.equals(expectRelayed)) {
            StringBuilder model = new StringBuilder();
            for (int[] d : dests) {
                model.append(" p").append(d[0] + 1).append(this.model.describe(d[0]));
            }
            throw new AssertionError(what + ": expected ESME_ROK, refused " + expectRefused + ", relayed "
                    + expectRelayed + "; got 0x" + Integer.toHexString(status) + ", refused " + refused
                    + ", SMSC got " + atSmsc + " (opted out:" + model + ")");
        }
        multiAllowed.put(marker, expectRelayed);
    }

    private static String digits(byte ton, String address) {
        PhoneNumbers.Normalized n = PhoneNumbers.normalize(ton, address, "US");
        return n.ok() ? n.digits() : address;
    }

    private boolean relayed(String marker) {
        for (SmscSimulator sim : sims) {
            for (ReceivedMessage m : sim.receivedMessages()) {
                if (marker.equals(text(m.pdu()))) {
                    return true;
                }
            }
        }
        return false;
    }

    private Set<String> relayedMulti(String marker) {
        Set<String> out = new TreeSet<>();
        for (SmscSimulator sim : sims) {
            for (SubmitMulti m : sim.receivedSubmitMultis()) {
                if (m.getShortMessage() != null
                        && marker.equals(new String(m.getShortMessage(), StandardCharsets.ISO_8859_1))) {
                    for (SubmitMulti.Destination d : m.getDestinations()) {
                        if (!d.isDistributionList()) {
                            out.add(digits(d.address().getTon(), d.address().getAddress()));
                        }
                    }
                }
            }
        }
        return out;
    }

    private static String text(BaseSm<?> sm) {
        byte[] b = sm.getShortMessage();
        if (b == null || b.length == 0) {
            Tlv payload = sm.getOptionalParameter(SmppConstants.TAG_MESSAGE_PAYLOAD);
            b = payload == null ? new byte[0] : payload.getValue();
        }
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    // ---- replies ------------------------------------------------------------------------------

    /** Replies (confirmation, opt-in, HELP) the SMSCs received for {@code digits}: anything not an ESME's marker. */
    private int replies(String digits) {
        int n = 0;
        for (SmscSimulator sim : sims) {
            for (ReceivedMessage m : sim.receivedMessages()) {
                Address to = m.pdu().getDestAddress();
                if (to != null
                        && digits.equals(digits(to.getTon(), to.getAddress()))
                        && !text(m.pdu()).startsWith("mk-")) {
                    n++;
                }
            }
        }
        return n;
    }

    /**
     * After each step: every reply the model requires has arrived (waiting for it, up to 5 s), and
     * none beyond what it allows.
     */
    void checkReplies() throws InterruptedException {
        for (int p = 0; p < PERSONS; p++) {
            int person = p;
            int min = model.minReplies(p);
            eventually(WAIT, () -> replies(persons[person]) >= min);
            int got = replies(persons[p]);
            if (got < min || got > model.maxReplies(p)) {
                throw new AssertionError("p" + (p + 1) + " got " + got + " replies (confirmation / opt-in / HELP); "
                        + "expected "
                        + (min == model.maxReplies(p) ? Integer.toString(min) : min + ".." + model.maxReplies(p))
                        + ": one per recorded STOP/START/HELP, none for a redelivery");
            }
        }
    }

    /**
     * End of a chain: a HELP from a fresh number through each instance, whose reply is the barrier
     * after which no earlier reply can still be on its way; then the exact reply counts, a sweep of
     * every (person, account, sender) through submit_sm, and no refused submit at any SMSC.
     */
    void finalCheck() throws Exception {
        for (int i = 0; i < INSTANCES; i++) {
            markerBarrier(i);
        }
        checkReplies();
        List<String> wrong = new ArrayList<>();
        int k = 0;
        for (int p = 0; p < PERSONS; p++) {
            for (int a = 0; a < ACCOUNTS.length; a++) {
                for (String sender : new HashSet<>(List.of(CANONICAL_SENDERS[a]))) {
                    int spelling = List.of(SENDERS[a]).indexOf(sender);
                    for (int st = 0; st < (categoryOf(a, 0) == null ? 1 : SERVICE_TYPES.length); st++) {
                        try {
                            submit(SubmitKind.SUBMIT_SM, a, spelling, p, 1, st, k++ % INSTANCES);
                        } catch (AssertionError e) {
                            wrong.add(e.getMessage());
                        }
                    }
                }
            }
        }
        for (String marker : refusedMarkers) {
            if (relayed(marker)) {
                wrong.add("refused submit " + marker + " reached the SMSC afterwards");
            }
        }
        multiAllowed.forEach((marker, allowed) -> {
            Set<String> reached = relayedMulti(marker);
            if (!allowed.containsAll(reached)) {
                wrong.add("submit_multi " + marker + " reached " + reached + " at the SMSC afterwards; only " + allowed
                        + " were not opted out");
            }
        });
        if (!wrong.isEmpty()) {
            throw new AssertionError("at the end of the chain:\n  " + String.join("\n  ", wrong));
        }
    }

    /** HELP from a fresh number (never one of the persons) through instance {@code i}, and its reply. */
    private void markerBarrier(int i) throws Exception {
        String marker = "15553" + String.format("%06d", ++markerCounter % 1_000_000);
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        int status = -1;
        while (status != ROK && System.nanoTime() < deadline) {
            try {
                status = sims[i].injectMo(
                                deliverSm((byte) 1, marker, "12345", "HELP".getBytes(StandardCharsets.ISO_8859_1), 0))
                        .get(5, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                status = -1;
            }
            if (status != ROK) {
                Thread.sleep(100);
            }
        }
        if (status != ROK) {
            throw new AssertionError("gw" + i + " did not record a HELP within 15 s (last answer 0x"
                    + Integer.toHexString(status) + ")");
        }
        if (!eventually(
                Duration.ofSeconds(10),
                () -> sims[i].receivedMessages().stream()
                        .anyMatch(m -> marker.equals(m.pdu().getDestAddress().getAddress())))) {
            throw new AssertionError("gw" + i + " did not answer the HELP of " + marker + " within 10 s");
        }
    }

    // ---- faults -------------------------------------------------------------------------------

    /** Freezes Redis (SIGSTOP), runs {@code during}, thaws it, then redelivers the MO that were not acknowledged. */
    void whileRedisFrozen(List<Step> during) throws Exception {
        unacknowledged.clear();
        redis.pause();
        redisPaused = true;
        try {
            for (Step step : during) {
                step.run(this);
            }
        } finally {
            redis.resume();
            redisPaused = false;
        }
        // the SMSC retries every keyword MO that was not acknowledged, in its order, on the same bind
        List<Object[]> retry = new ArrayList<>(unacknowledged);
        unacknowledged.clear();
        for (Object[] r : retry) {
            redeliverUntilAcknowledged((MoSpec) r[0], (Integer) r[1]);
        }
    }

    boolean redisFrozen() {
        return redisPaused;
    }

    /** kill -9 Redis, start an empty one on the same port, and wait until both instances reconciled. */
    void restartRedisEmpty() throws Exception {
        redis.kill();
        redis.restart();
        model.redisLostData();
        for (int i = 0; i < INSTANCES; i++) {
            Gateway g = gateways[i];
            boolean reconciled = eventually(Duration.ofSeconds(20), () -> {
                try {
                    g.reconcileNow();
                    return true;
                } catch (Exception e) {
                    return false;
                }
            });
            if (!reconciled) {
                throw new AssertionError("gw" + i + " could not reconcile its journal into the new Redis within 20 s");
            }
        }
        for (int i = 0; i < INSTANCES; i++) {
            markerBarrier(i);
            probeChecks(i);
        }
    }

    /** Submits to a fresh number until the list can be read again through every account on instance {@code i}. */
    private void probeChecks(int i) throws Exception {
        for (int a = 0; a < ACCOUNTS.length; a++) {
            String probe = "15553" + String.format("%06d", ++markerCounter % 1_000_000);
            SMPPSession s = esmes[i][a];
            String sender = SENDERS[a][0];
            boolean ok = eventually(Duration.ofSeconds(10), () -> {
                try {
                    submitSm(s).from(sender).to(probe).text("probe").send();
                    return true;
                } catch (Exception e) {
                    return false;
                }
            });
            if (!ok) {
                throw new AssertionError(
                        "gw" + i + " still refused submits from " + sender + " 10 s after Redis came back");
            }
        }
    }

    /** Stops instance {@code i} (graceful) and starts it again on the same journal. */
    void restartGateway(int i) throws Exception {
        for (int a = 0; a < ACCOUNTS.length; a++) {
            if (esmes[i][a] != null) {
                esmes[i][a].unbindAndClose();
                esmes[i][a] = null;
            }
        }
        gateways[i].close();
        gateways[i] = null;
        startGateway(i);
        bindEsmes(i);
        markerBarrier(i);
    }
}
