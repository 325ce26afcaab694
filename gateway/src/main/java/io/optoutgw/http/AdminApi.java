package io.optoutgw.http;

import io.lettuce.core.RedisException;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.optoutgw.admin.CsvImport;
import io.optoutgw.admin.InboundEvents;
import io.optoutgw.admin.NumberTraces;
import io.optoutgw.admin.ResubscribeRefused;
import io.optoutgw.admin.SuppressionAdmin;
import io.optoutgw.admin.VerifySchedule;
import io.optoutgw.feed.EventFeed;
import io.optoutgw.feed.FeedEvents;
import io.optoutgw.feed.WebhookDelivery;
import io.optoutgw.report.OptOutReport;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.PhoneNumbers;
import io.optoutgw.suppression.Scope;
import io.optoutgw.suppression.evidence.EvidenceKeys;
import io.optoutgw.suppression.journal.JournalAppendException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API under {@code /api} on the gateway's HTTP port: bearer-token auth, JSON, look-up,
 * add, remove, streamed CSV import and export, audit queries and verification. Requests are
 * answered on a small pool of admin threads, never on the event loop.
 *
 * <p>A removal of an entry whose opt-out the person sent themselves is answered 409 unless it
 * carries {@code evidence} (a consent evidence reference) or {@code override=true} with an
 * explicit {@code actor} and a {@code reason} (the re-subscribe guard, {@link SuppressionAdmin}).
 *
 * <pre>
 * GET    /api                                checks the token; names the instance
 * GET    /api/suppressions/{number}          status per scope and history
 * POST   /api/suppressions                   {number, scope, reason, actor, category, source, receivedAt}
 * DELETE /api/suppressions/{number}?scope=&amp;category=&amp;reason=&amp;actor=&amp;source=&amp;receivedAt=
 *                                            &amp;evidence=&amp;override=   (409: the person's own opt-out, see below)
 * POST   /api/suppressions/import?source=     CSV body number[,scope[,reason]] (a header may add receivedAt, category), streamed
 * GET    /api/suppressions/export            CSV number,scope,since, streamed
 * GET    /api/events?after=CURSOR&amp;limit=N   the consent event feed, resumable from a cursor
 * POST   /api/events                         opt-outs and opt-ins from other channels (JSON array)
 * GET    /api/events/dead-letter?webhook=&amp;limit=   each webhook's dead letters
 * POST   /api/events/dead-letter/replay?webhook=    send them again
 * GET    /api/audit?number=&amp;from=&amp;to=&amp;limit=
 * GET    /api/audit/verify                   list vs journal vs audit trail
 * GET    /api/trace/{number}?region=&amp;from=&amp;to=&amp;limit=
 *                                            one timeline: consent events, confirmations, refusals,
 *                                            recorded relays; violations flagged ({@link NumberTraces})
 * GET    /api/audit/verify?publicKey=        list vs journal vs audit trail, hash chains and checkpoints
 *                                            (publicKey: base64 X.509 Ed25519 keys to trust instead of the
 *                                            configured ones, repeatable)
 * GET    /api/audit/verify/last?instance=    the last verification this (or that) instance ran, findings listed
 * GET    /api/status                         live state: readiness, upstream and ESME binds, counters (the console)
 * GET    /api/report?days=N                  the opt-out report of the last N days as JSON (the console's charts)
 * </pre>
 */
public final class AdminApi implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AdminApi.class);
    static final String IMPORT_PATH = "/api/suppressions/import";
    static final String EXPORT_PATH = "/api/suppressions/export";
    private static final String SUPPRESSIONS = "/api/suppressions";
    private static final String TRACE = "/api/trace";
    /**
     * Rows of an import being recorded at once: two Redis commands each, on the connection SMPP
     * traffic shares and which queues at most 10,000 commands. 2,000 measured no faster than 500.
     */
    static final int IMPORT_IN_FLIGHT = 500;

    private static final int DEFAULT_AUDIT_LIMIT = 1000;
    private static final int MAX_AUDIT_LIMIT = 5000;
    private static final String DISABLED = "admin API is disabled: set http.adminToken in the gateway configuration";

    private final byte[] token;
    private final SuppressionAdmin admin;
    private final VerifySchedule verifier;
    private final NumberTraces traces;
    private final ThreadPoolExecutor pool;
    private final AtomicBoolean importRunning = new AtomicBoolean();
    private volatile EventFeed feed;
    private volatile InboundEvents inbound;
    private volatile List<WebhookDelivery> webhooks = List.of();
    private volatile Supplier<?> status;
    private volatile Reports reports;

    /** Builds the opt-out report over the last {@code since} ({@code GET /api/report}). */
    public interface Reports {
        OptOutReport.Result build(Duration since) throws Exception;
    }

    /**
     * @param adminToken bearer token, or null to answer every /api request 401 (disabled)
     */
    public AdminApi(String adminToken, SuppressionAdmin admin, VerifySchedule verifier) {
        this(adminToken, admin, verifier, null);
    }

    /**
     * @param adminToken bearer token, or null to answer every /api request 401 (disabled)
     * @param traces     answers {@code GET /api/trace/{number}}; {@code null}: from the audit trail only
     */
    public AdminApi(String adminToken, SuppressionAdmin admin, VerifySchedule verifier, NumberTraces traces) {
        this.token = adminToken == null ? null : adminToken.getBytes(StandardCharsets.UTF_8);
        this.admin = admin;
        this.verifier = verifier;
        this.traces = traces != null || admin == null ? traces : new NumberTraces(admin.store(), null, admin.timeout());
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(64), r -> {
            Thread t = new Thread(r, "admin-api-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.pool.allowCoreThreadTimeOut(true);
    }

    /** Serves the consent event feed ({@code GET /api/events}) and inbound events ({@code POST /api/events}). */
    public AdminApi withEvents(EventFeed feed, InboundEvents inbound, List<WebhookDelivery> webhooks) {
        this.feed = feed;
        this.inbound = inbound;
        this.webhooks = List.copyOf(webhooks);
        return this;
    }

    /**
     * Serves the web console's two read-only views: {@code GET /api/status} (a JSON snapshot from
     * {@code status}) and {@code GET /api/report?days=N} (the opt-out report from {@code reports}).
     */
    public AdminApi withConsole(Supplier<?> status, Reports reports) {
        this.status = status;
        this.reports = reports;
        return this;
    }

    /** An API that answers every request 401 "disabled". */
    public static AdminApi disabled() {
        return new AdminApi(null, null, null);
    }

    public boolean enabled() {
        return token != null;
    }

    static boolean isApiPath(String path) {
        return path.equals("/api") || path.startsWith("/api/");
    }

    static boolean isImport(HttpRequest r) {
        return r.decoderResult().isSuccess()
                && HttpMethod.POST.equals(r.method())
                && new QueryStringDecoder(r.uri()).path().equals(IMPORT_PATH);
    }

    /** Null when the request carries the admin token, otherwise why it is refused (401). */
    String authError(HttpRequest r) {
        if (token == null) {
            return DISABLED;
        }
        String auth = r.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (auth == null || auth.isBlank()) {
            return "missing bearer token (Authorization: Bearer TOKEN)";
        }
        if (!auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return "expected Authorization: Bearer TOKEN";
        }
        byte[] given = auth.substring(7).strip().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, token) ? null : "invalid token";
    }

    /** Answers an aggregated /api request (anything but the streamed import). Called on the event loop. */
    void handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        Channel ch = ctx.channel();
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        ch.config().setAutoRead(false);
        String denied = authError(request);
        if (denied != null) {
            Responses.send(ch, keepAlive, Responses.error(HttpResponseStatus.UNAUTHORIZED, denied));
            return;
        }
        Call call = new Call(
                request.method(),
                new QueryStringDecoder(request.uri()),
                ByteBufUtil.getBytes(request.content()),
                keepAlive,
                ch);
        try {
            pool.execute(() -> route(call));
        } catch (RejectedExecutionException e) {
            Responses.send(
                    ch,
                    keepAlive,
                    Responses.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "admin API busy, try again"));
        }
    }

    /** One request, copied off the Netty buffers. */
    private record Call(HttpMethod method, QueryStringDecoder uri, byte[] body, boolean keepAlive, Channel channel) {
        String path() {
            return uri.path();
        }

        String param(String name) {
            List<String> v = uri.parameters().get(name);
            return v == null || v.isEmpty() ? null : v.get(0);
        }
    }

    private void route(Call call) {
        try {
            String path = call.path();
            if (path.equals("/api") || path.equals("/api/")) {
                allow(call, HttpMethod.GET);
                reply(call, HttpResponseStatus.OK, new ApiBodies.Hello("admin", admin.instanceId()));
            } else if (path.equals(SUPPRESSIONS)) {
                allow(call, HttpMethod.POST);
                reply(call, HttpResponseStatus.OK, add(call));
            } else if (path.equals(EXPORT_PATH)) {
                allow(call, HttpMethod.GET);
                CsvExport.stream(call.channel(), call.keepAlive(), admin.store(), admin.timeout());
            } else if (path.equals(IMPORT_PATH)) {
                allow(call, HttpMethod.POST); // a POST never gets here: it is streamed (ImportUpload)
            } else if (path.startsWith(SUPPRESSIONS + "/") && path.indexOf('/', SUPPRESSIONS.length() + 1) < 0) {
                String number = path.substring(SUPPRESSIONS.length() + 1);
                if (HttpMethod.DELETE.equals(call.method())) {
                    reply(call, HttpResponseStatus.OK, remove(call, number));
                } else {
                    allow(call, HttpMethod.GET);
                    reply(call, HttpResponseStatus.OK, admin.lookup(digits(number, call.param("region"))));
                }
            } else if (path.equals(EVENTS_PATH)) {
                if (HttpMethod.POST.equals(call.method())) {
                    reply(call, HttpResponseStatus.OK, inboundEvents(call));
                } else {
                    allow(call, HttpMethod.GET);
                    reply(call, HttpResponseStatus.OK, events(call));
                }
            } else if (path.equals(DEAD_LETTER_PATH)) {
                allow(call, HttpMethod.GET);
                reply(call, HttpResponseStatus.OK, deadLetters(call));
            } else if (path.equals(DEAD_LETTER_PATH + "/replay")) {
                allow(call, HttpMethod.POST);
                List<WebhookDelivery.Replay> replays = new ArrayList<>();
                for (WebhookDelivery w : webhooksNamed(call.param("webhook"))) {
                    replays.add(w.replayDeadLetters());
                }
                reply(call, HttpResponseStatus.OK, Map.of("replays", replays));
            } else if (path.equals("/api/audit")) {
                allow(call, HttpMethod.GET);
                reply(call, HttpResponseStatus.OK, audit(call));
            } else if (path.equals("/api/audit/verify")) {
                allow(call, HttpMethod.GET);
                reply(call, HttpResponseStatus.OK, verifier.run("request", publicKeys(call)));
            } else if (path.equals("/api/audit/verify/last")) {
                allow(call, HttpMethod.GET);
                VerifySchedule.LastRun last = verifier.last(call.param("instance"));
                if (last == null) {
                    throw new ApiException(
                            HttpResponseStatus.NOT_FOUND,
                            "no audit verification recorded yet"
                                    + (call.param("instance") == null
                                            ? " by " + admin.instanceId()
                                            : " by " + call.param("instance")));
                }
                reply(call, HttpResponseStatus.OK, last);
            } else if (path.equals(STATUS_PATH)) {
                allow(call, HttpMethod.GET);
                Supplier<?> s = status;
                if (s == null) {
                    throw new ApiException(HttpResponseStatus.NOT_FOUND, "live status is not available here");
                }
                reply(call, HttpResponseStatus.OK, s.get());
            } else if (path.equals(REPORT_PATH)) {
                allow(call, HttpMethod.GET);
                reply(call, HttpResponseStatus.OK, report(call));
            } else if (path.startsWith(TRACE + "/") && path.indexOf('/', TRACE.length() + 1) < 0) {
                allow(call, HttpMethod.GET);
                reply(call, HttpResponseStatus.OK, trace(call, path.substring(TRACE.length() + 1)));
            } else {
                throw new ApiException(HttpResponseStatus.NOT_FOUND, "no such endpoint: " + call.method() + " " + path);
            }
        } catch (ApiException e) {
            reply(call, e.status(), new ApiBodies.ErrorBody(e.getMessage()));
        } catch (ResubscribeRefused e) {
            reply(call, HttpResponseStatus.CONFLICT, new ApiBodies.ErrorBody(e.getMessage()));
        } catch (IllegalArgumentException e) {
            reply(call, HttpResponseStatus.BAD_REQUEST, new ApiBodies.ErrorBody(e.getMessage()));
        } catch (Exception e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            boolean unavailable = cause instanceof TimeoutException
                    || cause instanceof RedisException
                    || cause instanceof JournalAppendException;
            log.warn("admin API: {} {} failed: {}", call.method(), loggable(call.path()), cause.toString());
            reply(
                    call,
                    unavailable ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.INTERNAL_SERVER_ERROR,
                    new ApiBodies.ErrorBody((unavailable ? "list unavailable: " : "internal error: ") + cause));
        }
    }

    /** The {@code publicKey} parameters (base64 of X.509 Ed25519 keys) by key id, or null when none is given. */
    private static Map<String, PublicKey> publicKeys(Call call) {
        List<String> given = call.uri().parameters().get("publicKey");
        if (given == null || given.isEmpty()) {
            return null;
        }
        Map<String, PublicKey> keys = new LinkedHashMap<>();
        for (String k : given) {
            byte[] der;
            try {
                String b64 = k.strip().replace('-', '+').replace('_', '/').replace(' ', '+');
                der = Base64.getDecoder().decode(b64);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("publicKey must be base64 (of an X.509 Ed25519 public key)");
            }
            PublicKey pub = EvidenceKeys.publicKey(der);
            keys.put(EvidenceKeys.keyId(pub), pub);
        }
        return keys;
    }

    /** The path without a phone number in it. */
    private static String loggable(String path) {
        if (path.startsWith(TRACE + "/")) {
            return TRACE + "/{number}";
        }
        return path.startsWith(SUPPRESSIONS + "/") && !path.equals(EXPORT_PATH) && !path.equals(IMPORT_PATH)
                ? SUPPRESSIONS + "/{number}"
                : path;
    }

    private static void reply(Call call, HttpResponseStatus status, Object body) {
        Responses.send(call.channel(), call.keepAlive(), Responses.json(status, body));
    }

    private static void allow(Call call, HttpMethod method) {
        if (!method.equals(call.method())) {
            throw new ApiException(
                    HttpResponseStatus.METHOD_NOT_ALLOWED,
                    call.method() + " not allowed on " + call.path() + " (use " + method + ")");
        }
    }

    private static String digits(String number, String region) {
        return SuppressionAdmin.digits(number, SuppressionAdmin.region(region));
    }

    private Object add(Call call) throws Exception {
        ApiBodies.AddRequest body;
        try {
            body = Responses.JSON.readValue(call.body(), ApiBodies.AddRequest.class);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    ADD_BODY + ": " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (body == null) {
            throw new IllegalArgumentException(ADD_BODY);
        }
        String digits = digits(body.number(), call.param("region"));
        Scope scope = body.scope() == null || body.scope().isBlank()
                ? Scope.Global.INSTANCE
                : admin.scopes().parse(body.scope());
        String category = admin.scopes().category(scope, body.category());
        String reason = SuppressionAdmin.text("reason", body.reason());
        String actor = actor(body.actor());
        SuppressionAdmin.Provenance from = provenance(body.source(), body.receivedAt());
        var result = admin.change(
                ConsentEvent.Type.ADMIN_ADD,
                digits,
                scope,
                category,
                reason,
                actor,
                from,
                SuppressionAdmin.Justification.NONE);
        log.info(
                "admin: {} added to the list, scope {}, source {}, by {}",
                PhoneNumbers.mask(digits),
                scope.kind(),
                from.source().code(),
                actor);
        return result;
    }

    static final String EVENTS_PATH = "/api/events";
    static final int DEFAULT_EVENTS_LIMIT = 100;
    static final int MAX_EVENTS_LIMIT = 1000;

    /** {@code GET /api/events?after=CURSOR&limit=N}: the consent event feed from a cursor. */
    private Object events(Call call) throws Exception {
        EventFeed f = feed;
        if (f == null) {
            throw new ApiException(HttpResponseStatus.NOT_FOUND, "the event feed is not enabled");
        }
        int limit = limit(call.param("limit"), DEFAULT_EVENTS_LIMIT, MAX_EVENTS_LIMIT);
        String after = call.param("after");
        EventFeed.Page page = f.read(after == null || after.isBlank() ? null : after.strip(), limit);
        List<Map<String, Object>> events = page.events().stream()
                .map(e -> FeedEvents.body(e.cursor(), e.event()))
                .toList();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("events", events);
        body.put("cursor", page.cursor());
        body.put("more", page.more());
        return body;
    }

    static final String DEAD_LETTER_PATH = "/api/events/dead-letter";
    static final String STATUS_PATH = "/api/status";
    static final String REPORT_PATH = "/api/report";
    /** Relayed-message counts are kept 400 days ({@code RelayedStats}). */
    static final int MAX_REPORT_DAYS = 400;

    /** {@code GET /api/report?days=N}: the opt-out report of the last N days (default 30). */
    private Object report(Call call) throws Exception {
        Reports r = reports;
        if (r == null) {
            throw new ApiException(HttpResponseStatus.NOT_FOUND, "the opt-out report is not available here");
        }
        String d = call.param("days");
        int days;
        try {
            days = d == null ? 30 : Integer.parseInt(d.strip());
        } catch (NumberFormatException e) {
            days = -1;
        }
        if (days < 1 || days > MAX_REPORT_DAYS) {
            throw new IllegalArgumentException("days must be 1 to " + MAX_REPORT_DAYS + ", got '" + d + "'");
        }
        return OptOutReport.json(r.build(Duration.ofDays(days)));
    }

    /** {@code GET /api/events/dead-letter?webhook=NAME&limit=N}: each endpoint's dead letters, oldest first. */
    private Object deadLetters(Call call) throws Exception {
        int limit = limit(call.param("limit"), DEFAULT_EVENTS_LIMIT, MAX_EVENTS_LIMIT);
        Map<String, Object> out = new LinkedHashMap<>();
        for (WebhookDelivery w : webhooksNamed(call.param("webhook"))) {
            out.put(w.name(), w.deadLetters(limit));
        }
        return Map.of("webhooks", out);
    }

    /** The webhook named {@code name}, or every one when {@code name} is absent. */
    private List<WebhookDelivery> webhooksNamed(String name) {
        if (name == null || name.isBlank()) {
            return webhooks;
        }
        for (WebhookDelivery w : webhooks) {
            if (w.name().equals(name.strip())) {
                return List.of(w);
            }
        }
        throw new ApiException(
                HttpResponseStatus.NOT_FOUND,
                "no webhook named '" + name.strip() + "' (configured: "
                        + String.join(
                                ", ",
                                webhooks.stream().map(WebhookDelivery::name).toList()) + ")");
    }

    /** {@code POST /api/events}: a JSON array of opt-outs and opt-ins from other channels. */
    private Object inboundEvents(Call call) throws Exception {
        InboundEvents in = inbound;
        if (in == null) {
            throw new ApiException(HttpResponseStatus.NOT_FOUND, "inbound events are not enabled");
        }
        List<InboundEvents.Row> rows;
        try {
            rows = Responses.JSON.readValue(
                    call.body(),
                    Responses.JSON.getTypeFactory().constructCollectionType(List.class, InboundEvents.Row.class));
        } catch (IOException e) {
            throw new IllegalArgumentException("expected a JSON array of {type: opt_out|opt_in, number, source,"
                    + " receivedAt, idempotencyKey, scope?, category?}: "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
        if (rows == null) {
            throw new IllegalArgumentException("expected a JSON array of events");
        }
        return in.record(rows);
    }

    private static final String ADD_BODY = "expected JSON {number, scope, reason, actor, category, source, receivedAt}";

    private static SuppressionAdmin.Provenance provenance(String source, String receivedAt) {
        return SuppressionAdmin.provenance(
                source, receivedAt, SuppressionAdmin.API_SOURCES, ConsentEvent.Source.ADMIN, Instant.now());
    }

    private Object remove(Call call, String number) throws Exception {
        String digits = digits(number, call.param("region"));
        String scopeText = call.param("scope");
        Scope scope = scopeText == null || scopeText.isBlank()
                ? Scope.Global.INSTANCE
                : admin.scopes().parse(scopeText);
        String reason = SuppressionAdmin.text("reason", call.param("reason"));
        if (reason == null) {
            throw new IllegalArgumentException("reason is required to remove a number from the list (reason=...)");
        }
        String category = admin.scopes().category(scope, call.param("category"));
        String actor = actor(call.param("actor"));
        SuppressionAdmin.Provenance from = provenance(call.param("source"), call.param("receivedAt"));
        String evidence = SuppressionAdmin.text("evidence", call.param("evidence"));
        boolean override = flag("override", call.param("override"));
        if (override && SuppressionAdmin.text("actor", call.param("actor")) == null) {
            throw new IllegalArgumentException("override=true needs actor=NAME: who lifts the opt-out is audited");
        }
        var result = admin.change(
                ConsentEvent.Type.ADMIN_REMOVE,
                digits,
                scope,
                category,
                reason,
                actor,
                from,
                new SuppressionAdmin.Justification(evidence, override));
        if (result.resubscribe() != null) {
            log.info(
                    "admin: {} re-subscribed in scope {} by {} ({}; the person's own opt-out lifted)",
                    PhoneNumbers.mask(digits),
                    scope.kind(),
                    actor,
                    result.resubscribe());
        } else {
            log.info(
                    "admin: {} removed from the list, scope {}, by {}", PhoneNumbers.mask(digits), scope.kind(), actor);
        }
        return result;
    }

    /** A boolean query parameter: true or false (absent: false). */
    private static boolean flag(String name, String value) {
        if (value == null || value.isBlank()) {
            return false;
        }
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(name + " must be true or false, got '" + value.strip() + "'");
        };
    }

    private static String actor(String given) {
        String a = SuppressionAdmin.text("actor", given);
        return a == null ? "api" : a;
    }

    private Object trace(Call call, String number) throws Exception {
        String digits = digits(number, call.param("region"));
        Instant from = time("from", call.param("from"), false);
        Instant to = time("to", call.param("to"), true);
        if (from != null && to != null && from.isAfter(to)) {
            throw new IllegalArgumentException("from is after to");
        }
        int limit = limit(call.param("limit"), NumberTraces.DEFAULT_LIMIT, NumberTraces.MAX_LIMIT);
        return traces.trace(digits, from, to, limit);
    }

    /** A {@code limit} parameter: 1..max, {@code fallback} when absent. */
    private static int limit(String l, int fallback, int max) {
        if (l == null) {
            return fallback;
        }
        int limit;
        try {
            limit = Integer.parseInt(l.strip());
        } catch (NumberFormatException e) {
            limit = -1;
        }
        if (limit < 1 || limit > max) {
            throw new IllegalArgumentException("limit must be 1 to " + max + ", got '" + l + "'");
        }
        return limit;
    }

    private Object audit(Call call) throws Exception {
        String number = call.param("number");
        String digits = number == null || number.isBlank() ? null : digits(number, call.param("region"));
        Instant from = time("from", call.param("from"), false);
        Instant to = time("to", call.param("to"), true);
        if (from != null && to != null && from.isAfter(to)) {
            throw new IllegalArgumentException("from is after to");
        }
        int limit = limit(call.param("limit"), DEFAULT_AUDIT_LIMIT, MAX_AUDIT_LIMIT);
        return admin.audit(digits, from, to, limit);
    }

    /** ISO-8601 instant (2024-05-01T12:00:00Z) or date (2024-05-01: its start, or its end for {@code to}). */
    static Instant time(String name, String value, boolean endOfDay) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.strip();
        try {
            return Instant.parse(v);
        } catch (DateTimeParseException e) {
            try {
                LocalDate d = LocalDate.parse(v);
                return endOfDay
                        ? d.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC).minusMillis(1)
                        : d.atStartOfDay().toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e2) {
                throw new IllegalArgumentException(name + " must be an ISO-8601 time such as 2024-05-01T12:00:00Z "
                        + "or a date such as 2024-05-01, got '" + v + "'");
            }
        }
    }

    /** Starts a streamed import, or a rejection that answers once the body is discarded. Called on the event loop. */
    ImportUpload beginImport(ChannelHandlerContext ctx, HttpRequest request) {
        Channel ch = ctx.channel();
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        ch.config().setAutoRead(true);
        String denied = authError(request);
        if (denied != null) {
            return ImportUpload.rejected(ch, request, Responses.error(HttpResponseStatus.UNAUTHORIZED, denied));
        }
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        Map<String, List<String>> p = uri.parameters();
        CsvImport job;
        String actor;
        try {
            String region = SuppressionAdmin.region(first(p, "region"));
            String scopeText = first(p, "scope");
            Scope scope = scopeText == null || scopeText.isBlank()
                    ? Scope.Global.INSTANCE
                    : admin.scopes().parse(scopeText);
            String reason = SuppressionAdmin.text("reason", first(p, "reason"));
            actor = actor(first(p, "actor"));
            ConsentEvent.Source source = SuppressionAdmin.provenance(
                            first(p, "source"),
                            null,
                            SuppressionAdmin.IMPORT_SOURCES,
                            ConsentEvent.Source.IMPORT,
                            Instant.now())
                    .source();
            job = new CsvImport(
                    admin, scope, reason == null ? "import" : reason, actor, region, source, IMPORT_IN_FLIGHT);
        } catch (IllegalArgumentException e) {
            return ImportUpload.rejected(ch, request, Responses.error(HttpResponseStatus.BAD_REQUEST, e.getMessage()));
        }
        if (!importRunning.compareAndSet(false, true)) {
            return ImportUpload.rejected(
                    ch,
                    request,
                    Responses.error(
                            HttpResponseStatus.TOO_MANY_REQUESTS,
                            "another import is running; try again when it is done"));
        }
        log.info("admin: import {} started by {} from {}", job.importId(), actor, ch.remoteAddress());
        try {
            return ImportUpload.start(
                    ch,
                    request,
                    job,
                    pool,
                    admin.timeout().multipliedBy(4).plus(Duration.ofSeconds(5)),
                    () -> importRunning.set(false));
        } catch (RejectedExecutionException e) {
            importRunning.set(false);
            return ImportUpload.rejected(
                    ch, request, Responses.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "admin API busy, try again"));
        }
    }

    private static String first(Map<String, List<String>> p, String name) {
        List<String> v = p.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
