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
import io.optoutgw.admin.ApiCaller;
import io.optoutgw.admin.ApiRole;
import io.optoutgw.admin.ApiTokens;
import io.optoutgw.admin.Consents;
import io.optoutgw.admin.CsvImport;
import io.optoutgw.admin.EvidenceBundleFiles;
import io.optoutgw.admin.EvidenceBundles;
import io.optoutgw.admin.ImportResult;
import io.optoutgw.admin.InboundEvents;
import io.optoutgw.admin.ListAdmin;
import io.optoutgw.admin.ListLoad;
import io.optoutgw.admin.ListLoadResult;
import io.optoutgw.admin.NumberStatus;
import io.optoutgw.admin.NumberTrace;
import io.optoutgw.admin.NumberTraces;
import io.optoutgw.admin.PrivacyErase;
import io.optoutgw.admin.ResubscribeRefused;
import io.optoutgw.admin.ScopeNames;
import io.optoutgw.admin.SuppressionAdmin;
import io.optoutgw.admin.VerifySchedule;
import io.optoutgw.feed.EventFeed;
import io.optoutgw.feed.FeedEvents;
import io.optoutgw.feed.WebhookDelivery;
import io.optoutgw.report.OptOutReport;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.ExternalLists;
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
import java.util.Arrays;
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
 * GET    /api/lists                          the external lists: live and previous version, count, loaded-at,
 *                                            checksum, age, staleness
 * GET    /api/lists/{name}                   one list
 * PUT    /api/lists/{name}?kind=&amp;accounts=&amp;categories=&amp;region=
 *                                            CSV body of numbers (POST too), streamed: a new version, made live
 *                                            when complete ({@link ListLoad})
 * POST   /api/lists/{name}/rollback          the previous version live again
 * POST   /api/lists/{name}/fetch             fetch a configured list from its url now
 * DELETE /api/lists/{name}                   stop checking against it; its versions are deleted
 * GET    /api/tokens                         accounts' API tokens (global admin token only)
 * POST   /api/tokens                         {account, role, name}: a new token, shown once
 * DELETE /api/tokens/{name}                  revokes a token
 * POST   /api/config/reload                  re-reads the configuration file (global admin token only)
 * POST   /api/consents                       recorded opt-ins (an object or an array): 201 once durable,
 *                                            400 with each bad row's reasons and nothing recorded
 * POST   /api/privacy/erase/{number}?region=&amp;actor=&amp;reason=
 *                                            removes the number's text and clear number from journal and audit
 *                                            (privacy.mode hmac; global admin token only; {@link PrivacyErase})
 * GET    /api/evidence/{number}?format=json|html|zip&amp;region=
 *                                            the number's evidence bundle ({@link EvidenceBundles})
 * GET    /api/status                         live state: readiness, upstream and ESME binds, counters (the console)
 * GET    /api/report?days=N                  the opt-out report of the last N days as JSON (the console's charts)
 * </pre>
 *
 * <p>Two kinds of token (docs/admin.md, "Tenant access"): the global admin token
 * ({@code http.adminToken}), and accounts' tokens ({@link ApiTokens}), each with a role
 * ({@link ApiRole}) and confined to its account's scopes: other accounts' entries and events are
 * left out of what it reads, and a change in another scope is answered 403.
 */
public final class AdminApi implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AdminApi.class);
    static final String IMPORT_PATH = "/api/suppressions/import";
    static final String EXPORT_PATH = "/api/suppressions/export";
    private static final String SUPPRESSIONS = "/api/suppressions";
    private static final String TRACE = "/api/trace";
    static final String LISTS = "/api/lists";
    private static final String EVIDENCE = "/api/evidence";
    private static final String ERASE = "/api/privacy/erase";
    private static final String CONSENTS = "/api/consents";
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
    private volatile ListAdmin lists;
    private volatile ApiTokens tokens;
    private volatile ConfigReload reload;

    /** Re-reads the configuration ({@code POST /api/config/reload}); the answer is sent as JSON. */
    public interface ConfigReload {
        /** The outcome; {@code ok()} false answers 400 (the file was refused, nothing changed). */
        Outcome reload();

        /** What a reload did: the JSON body, and whether the file was applied. */
        interface Outcome {
            boolean ok();
        }
    }

    private volatile EvidenceBundles bundles;
    private volatile PrivacyErase erase;
    private volatile Consents consents;
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

    /** Serves the external lists ({@code /api/lists}). */
    public AdminApi withLists(ListAdmin lists) {
        this.lists = lists;
        return this;
    }

    /** Accepts accounts' tokens besides the admin token, and serves {@code /api/tokens}. */
    public AdminApi withTokens(ApiTokens tokens) {
        this.tokens = tokens;
        return this;
    }

    /** Serves {@code POST /api/config/reload}. */
    public AdminApi withReload(ConfigReload reload) {
        this.reload = reload;
        return this;
    }

    /** Serves {@code POST /api/privacy/erase/{number}} (global admin token only). */
    public AdminApi withPrivacy(PrivacyErase erase) {
        this.erase = erase;
        return this;
    }

    /** Serves evidence bundles ({@code GET /api/evidence/{number}}) and recorded opt-ins ({@code POST /api/consents}). */
    public AdminApi withEvidence(EvidenceBundles bundles, Consents consents) {
        this.bundles = bundles;
        this.consents = consents;
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

    /** An upload whose body is streamed, not aggregated: an import, or a list load ({@code PUT /api/lists/{name}}). */
    static boolean isStreamed(HttpRequest r) {
        return isImport(r) || listLoadName(r) != null;
    }

    /** The list a {@code PUT} or {@code POST /api/lists/{name}} loads, or null. */
    private static String listLoadName(HttpRequest r) {
        if (!r.decoderResult().isSuccess()
                || !(HttpMethod.PUT.equals(r.method()) || HttpMethod.POST.equals(r.method()))) {
            return null;
        }
        String path = new QueryStringDecoder(r.uri()).path();
        if (!path.startsWith(LISTS + "/") || path.indexOf('/', LISTS.length() + 1) >= 0) {
            return null;
        }
        String name = path.substring(LISTS.length() + 1);
        return name.isEmpty() ? null : name;
    }

    /** Who a request is from, or why it is refused ({@code status} 401, or 503 when tokens cannot be read). */
    record Auth(ApiCaller caller, HttpResponseStatus status, String error) {
        static Auth refused(String error) {
            return new Auth(null, HttpResponseStatus.UNAUTHORIZED, error);
        }
    }

    /** Whether the request carries the global admin token. */
    boolean isAdminToken(HttpRequest r) {
        Auth a = authenticate(r, false);
        return a.caller() != null && a.caller().global();
    }

    /** The caller of a request: the global admin token, or (with tokens enabled) an account's token. */
    Auth authenticate(HttpRequest r) {
        return authenticate(r, true);
    }

    private Auth authenticate(HttpRequest r, boolean accountTokens) {
        if (token == null) {
            return Auth.refused(DISABLED);
        }
        String auth = r.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (auth == null || auth.isBlank()) {
            return Auth.refused("missing bearer token (Authorization: Bearer TOKEN)");
        }
        if (!auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Auth.refused("expected Authorization: Bearer TOKEN");
        }
        String presented = auth.substring(7).strip();
        if (MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), token)) {
            return new Auth(ApiCaller.GLOBAL_ADMIN, null, null);
        }
        ApiTokens t = tokens;
        if (!accountTokens || t == null || !presented.startsWith(ApiTokens.PREFIX)) {
            return Auth.refused("invalid token");
        }
        try {
            ApiCaller caller = t.resolve(presented);
            return caller == null ? Auth.refused("invalid token") : new Auth(caller, null, null);
        } catch (Exception e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            log.warn("admin API: API tokens cannot be read: {}", cause.toString());
            return new Auth(null, HttpResponseStatus.SERVICE_UNAVAILABLE, "API tokens unavailable: " + cause);
        }
    }

    /** Answers an aggregated /api request (anything but the streamed import). Called on the event loop. */
    void handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        Channel ch = ctx.channel();
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        ch.config().setAutoRead(false);
        Auth auth = authenticate(request);
        if (auth.caller() == null) {
            Responses.send(ch, keepAlive, Responses.error(auth.status(), auth.error()));
            return;
        }
        Call call = new Call(
                auth.caller(),
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
    private record Call(
            ApiCaller caller,
            HttpMethod method,
            QueryStringDecoder uri,
            byte[] body,
            boolean keepAlive,
            Channel channel) {
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
                ApiCaller c = call.caller();
                reply(
                        call,
                        HttpResponseStatus.OK,
                        c.global()
                                ? new ApiBodies.Hello("admin", admin.instanceId())
                                : new ApiBodies.Hello(
                                        "account",
                                        admin.instanceId(),
                                        c.name(),
                                        c.account(),
                                        c.role().label()));
            } else if (path.equals(TOKENS) || path.startsWith(TOKENS + "/")) {
                require(call, ApiRole.Permission.GLOBAL);
                reply(call, HttpResponseStatus.OK, tokens(call, path));
            } else if (path.equals(RELOAD)) {
                require(call, ApiRole.Permission.GLOBAL);
                allow(call, HttpMethod.POST);
                ConfigReload r = reload;
                if (r == null) {
                    throw new ApiException(HttpResponseStatus.NOT_FOUND, "configuration reload is not available");
                }
                ConfigReload.Outcome outcome = r.reload();
                reply(call, outcome.ok() ? HttpResponseStatus.OK : HttpResponseStatus.BAD_REQUEST, outcome);
            } else if (path.equals(SUPPRESSIONS)) {
                allow(call, HttpMethod.POST);
                require(call, ApiRole.Permission.CHANGE);
                reply(call, HttpResponseStatus.OK, add(call));
            } else if (path.equals(EXPORT_PATH)) {
                allow(call, HttpMethod.GET);
                require(call, ApiRole.Permission.COMPLIANCE);
                PrivacyErase p = erase;
                Map<String, String> numbers = admin.store().numberKeys().hashed() && p != null
                        ? p.journalNumbers() // privacy mode hmac: the list holds keys, the journal knows numbers
                        : Map.of();
                CsvExport.stream(
                        call.channel(),
                        call.keepAlive(),
                        admin.store(),
                        admin.timeout(),
                        call.caller()::ownsCode,
                        numbers::get);
            } else if (path.equals(IMPORT_PATH)) {
                allow(call, HttpMethod.POST); // a POST never gets here: it is streamed (ImportUpload)
            } else if (path.startsWith(SUPPRESSIONS + "/") && path.indexOf('/', SUPPRESSIONS.length() + 1) < 0) {
                String number = path.substring(SUPPRESSIONS.length() + 1);
                if (HttpMethod.DELETE.equals(call.method())) {
                    require(call, ApiRole.Permission.CHANGE);
                    reply(call, HttpResponseStatus.OK, remove(call, number));
                } else {
                    allow(call, HttpMethod.GET);
                    NumberStatus status = admin.lookup(digits(number, call.param("region")));
                    reply(call, HttpResponseStatus.OK, visible(call.caller(), status));
                }
            } else if (path.equals(EVENTS_PATH)) {
                if (HttpMethod.POST.equals(call.method())) {
                    require(call, ApiRole.Permission.CHANGE);
                    reply(call, HttpResponseStatus.OK, inboundEvents(call));
                } else {
                    allow(call, HttpMethod.GET);
                    reply(call, HttpResponseStatus.OK, events(call));
                }
            } else if (path.equals(DEAD_LETTER_PATH)) {
                allow(call, HttpMethod.GET);
                require(call, ApiRole.Permission.GLOBAL);
                reply(call, HttpResponseStatus.OK, deadLetters(call));
            } else if (path.equals(DEAD_LETTER_PATH + "/replay")) {
                allow(call, HttpMethod.POST);
                require(call, ApiRole.Permission.GLOBAL);
                List<WebhookDelivery.Replay> replays = new ArrayList<>();
                for (WebhookDelivery w : webhooksNamed(call.param("webhook"))) {
                    replays.add(w.replayDeadLetters());
                }
                reply(call, HttpResponseStatus.OK, Map.of("replays", replays));
            } else if (path.equals("/api/audit")) {
                allow(call, HttpMethod.GET);
                require(call, ApiRole.Permission.COMPLIANCE);
                reply(call, HttpResponseStatus.OK, audit(call));
            } else if (path.equals("/api/audit/verify")) {
                allow(call, HttpMethod.GET);
                require(call, ApiRole.Permission.GLOBAL);
                reply(call, HttpResponseStatus.OK, verifier.run("request", publicKeys(call)));
            } else if (path.equals("/api/audit/verify/last")) {
                allow(call, HttpMethod.GET);
                require(call, ApiRole.Permission.GLOBAL);
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
            } else if (path.equals(LISTS) || path.startsWith(LISTS + "/")) {
                require(call, ApiRole.Permission.GLOBAL);
                reply(call, HttpResponseStatus.OK, lists(call, path));
            } else if (path.equals(CONSENTS)) {
                allow(call, HttpMethod.POST);
                require(call, ApiRole.Permission.CHANGE);
                consents(call);
            } else if (path.startsWith(EVIDENCE + "/") && path.indexOf('/', EVIDENCE.length() + 1) < 0) {
                allow(call, HttpMethod.GET);
                // a bundle's chain proof carries other people's events whole: the global admin token only
                require(call, ApiRole.Permission.GLOBAL);
                evidence(call, path.substring(EVIDENCE.length() + 1));
            } else if (path.startsWith(ERASE + "/") && path.indexOf('/', ERASE.length() + 1) < 0) {
                allow(call, HttpMethod.POST);
                require(call, ApiRole.Permission.GLOBAL);
                reply(call, HttpResponseStatus.OK, erase(call, path.substring(ERASE.length() + 1)));
            } else if (path.equals(STATUS_PATH)) {
                allow(call, HttpMethod.GET);
                require(call, ApiRole.Permission.GLOBAL);
                Supplier<?> s = status;
                if (s == null) {
                    throw new ApiException(HttpResponseStatus.NOT_FOUND, "live status is not available here");
                }
                reply(call, HttpResponseStatus.OK, s.get());
            } else if (path.equals(REPORT_PATH)) {
                allow(call, HttpMethod.GET);
                // every account's senders and rates: the global admin token only
                require(call, ApiRole.Permission.GLOBAL);
                reply(call, HttpResponseStatus.OK, report(call));
            } else if (path.startsWith(TRACE + "/") && path.indexOf('/', TRACE.length() + 1) < 0) {
                allow(call, HttpMethod.GET);
                require(call, ApiRole.Permission.COMPLIANCE);
                reply(call, HttpResponseStatus.OK, trace(call, path.substring(TRACE.length() + 1)));
            } else {
                throw new ApiException(HttpResponseStatus.NOT_FOUND, "no such endpoint: " + call.method() + " " + path);
            }
        } catch (ApiException e) {
            reply(call, e.status(), new ApiBodies.ErrorBody(e.getMessage()));
        } catch (ExternalLists.NoSuchElementException e) {
            reply(call, HttpResponseStatus.NOT_FOUND, new ApiBodies.ErrorBody(e.getMessage()));
        } catch (ApiTokens.NameTaken e) {
            reply(call, HttpResponseStatus.CONFLICT, new ApiBodies.ErrorBody(e.getMessage()));
        } catch (IllegalStateException e) {
            reply(call, HttpResponseStatus.CONFLICT, new ApiBodies.ErrorBody(e.getMessage()));
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
        if (path.startsWith(EVIDENCE + "/")) {
            return EVIDENCE + "/{number}";
        }
        if (path.startsWith(ERASE + "/")) {
            return ERASE + "/{number}";
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
        Scope scope = scope(call, body.scope());
        String category = admin.scopes().category(scope, body.category());
        String reason = SuppressionAdmin.text("reason", body.reason());
        String actor = call.caller().actor(SuppressionAdmin.text("actor", body.actor()));
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
                "admin: {} added to the list, scope {}, source {}, by {} ({})",
                PhoneNumbers.mask(digits),
                scope.kind(),
                from.source().code(),
                actor,
                call.caller());
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
        ApiCaller c = call.caller();
        List<Map<String, Object>> events = page.events().stream()
                .filter(e -> c.ownsCode(e.event().scope()))
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
        ApiCaller c = call.caller();
        return c.global()
                ? in.record(rows)
                : in.withScopes(admin.scopes().restrictedTo(c.account())).record(rows);
    }

    private static final String ADD_BODY = "expected JSON {number, scope, reason, actor, category, source, receivedAt}";

    private static SuppressionAdmin.Provenance provenance(String source, String receivedAt) {
        return SuppressionAdmin.provenance(
                source, receivedAt, SuppressionAdmin.API_SOURCES, ConsentEvent.Source.ADMIN, Instant.now());
    }

    private Object remove(Call call, String number) throws Exception {
        String digits = digits(number, call.param("region"));
        Scope scope = scope(call, call.param("scope"));
        String reason = SuppressionAdmin.text("reason", call.param("reason"));
        if (reason == null) {
            throw new IllegalArgumentException("reason is required to remove a number from the list (reason=...)");
        }
        String category = admin.scopes().category(scope, call.param("category"));
        String actor = call.caller().actor(SuppressionAdmin.text("actor", call.param("actor")));
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
                    "admin: {} re-subscribed in scope {} by {} ({}; the person's own opt-out lifted; {})",
                    PhoneNumbers.mask(digits),
                    scope.kind(),
                    actor,
                    result.resubscribe(),
                    call.caller());
        } else {
            log.info(
                    "admin: {} removed from the list, scope {}, by {} ({})",
                    PhoneNumbers.mask(digits),
                    scope.kind(),
                    actor,
                    call.caller());
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

    static final String TOKENS = "/api/tokens";
    static final String RELOAD = "/api/config/reload";

    /** 403 unless the caller's role (or the global admin token) allows {@code p}. */
    private static void require(Call call, ApiRole.Permission p) {
        ApiCaller c = call.caller();
        if (!c.allows(p)) {
            throw new ApiException(
                    HttpResponseStatus.FORBIDDEN,
                    c.global() || p == ApiRole.Permission.GLOBAL
                            ? "this needs the global admin token (http.adminToken); " + c + " may not"
                            : c + " may not do this: its role allows "
                                    + switch (c.role()) {
                                        case VIEWER -> "reading only";
                                        case OPERATOR -> "reading and changing the list";
                                        case COMPLIANCE -> "reading, export, audit, trace and evidence";
                                        case ADMIN -> "everything of its account";
                                    });
        }
    }

    /**
     * The scope a change names (default: global, or an account token's own account), 403 when it
     * is outside the caller's account, 400 when it does not parse.
     */
    private Scope scope(Call call, String text) {
        ApiCaller c = call.caller();
        if (text == null || text.isBlank()) {
            return c.global() ? Scope.Global.INSTANCE : new Scope.Account(c.account());
        }
        Scope scope = admin.scopes().parse(text);
        if (!c.owns(scope)) {
            throw new ApiException(
                    HttpResponseStatus.FORBIDDEN,
                    "scope " + ScopeNames.display(scope) + " is outside account " + c.account() + " (" + c + ")");
        }
        return scope;
    }

    /** A number's status as the caller may see it: an account's token sees its own scopes and their events only. */
    static NumberStatus visible(ApiCaller c, NumberStatus s) {
        if (c.global()) {
            return s;
        }
        List<NumberStatus.ScopeStatus> scopes =
                s.scopes().stream().filter(x -> c.ownsCode(x.code())).toList();
        List<ConsentEvent> history =
                s.history().stream().filter(e -> c.ownsCode(e.scope())).toList();
        return new NumberStatus(
                s.number(), scopes.stream().anyMatch(NumberStatus.ScopeStatus::suppressed), scopes, history);
    }

    /** {@code /api/tokens}: list, create, revoke (global admin token only). */
    private Object tokens(Call call, String path) throws Exception {
        ApiTokens t = tokens;
        if (t == null) {
            throw new ApiException(HttpResponseStatus.NOT_FOUND, "API tokens are not enabled");
        }
        if (path.equals(TOKENS)) {
            if (HttpMethod.POST.equals(call.method())) {
                ApiBodies.TokenRequest body;
                try {
                    body = Responses.JSON.readValue(call.body(), ApiBodies.TokenRequest.class);
                } catch (IOException e) {
                    throw new IllegalArgumentException("expected JSON {account, role, name}: "
                            + e.getMessage().lines().findFirst().orElse(""));
                }
                if (body == null) {
                    throw new IllegalArgumentException("expected JSON {account, role, name}");
                }
                ApiTokens.Created created = t.create(
                        body.account(), body.role(), body.name(), call.caller().name());
                log.info(
                        "admin: API token {} created for account {}, role {}",
                        created.name(),
                        created.account(),
                        created.role());
                return created;
            }
            allow(call, HttpMethod.GET);
            return Map.of("tokens", t.list());
        }
        String name = path.substring(TOKENS.length() + 1);
        allow(call, HttpMethod.DELETE);
        if (name.isEmpty() || name.contains("/") || !t.revoke(name)) {
            throw new ApiException(HttpResponseStatus.NOT_FOUND, "no token named '" + loggableName(name) + "'");
        }
        log.info("admin: API token {} revoked", loggableName(name));
        return Map.of("revoked", name);
    }

    private static String loggableName(String name) {
        String n = name.length() > 64 ? name.substring(0, 64) + "..." : name;
        return n.replaceAll("[^A-Za-z0-9.-]", "?");
    }

    private Object trace(Call call, String number) throws Exception {
        String digits = digits(number, call.param("region"));
        Instant from = time("from", call.param("from"), false);
        Instant to = time("to", call.param("to"), true);
        if (from != null && to != null && from.isAfter(to)) {
            throw new IllegalArgumentException("from is after to");
        }
        int limit = limit(call.param("limit"), NumberTraces.DEFAULT_LIMIT, NumberTraces.MAX_LIMIT);
        ApiCaller c = call.caller();
        if (c.global()) {
            return traces.trace(digits, from, to, limit);
        }
        return visible(c, traces.trace(digits, from, to, NumberTraces.MAX_LIMIT), limit);
    }

    /**
     * A trace as an account's token may see it: the lines of its account (its messages, and the
     * consent events of its scopes), the counts recomputed from them.
     */
    static NumberTrace visible(ApiCaller c, NumberTrace t, int limit) {
        List<NumberTrace.Line> kept = new ArrayList<>();
        long violations = 0;
        long possible = 0;
        long refused = 0;
        boolean truncated = t.truncated();
        for (NumberTrace.Line l : t.lines()) {
            boolean mine =
                    isConsentLine(l) ? c.ownsScopeName(l.scope()) : c.account().equals(l.account());
            if (!mine) {
                continue;
            }
            if (NumberTrace.ROLLUP.equals(l.type())) {
                if ("refused".equals(l.kind()) && l.count() != null) {
                    refused += l.count();
                } else if (Boolean.TRUE.equals(l.violation()) && l.count() != null) {
                    possible += l.count();
                }
            } else if (NumberTrace.REFUSED.equals(l.type())) {
                refused++;
            } else if (Boolean.TRUE.equals(l.violation())) {
                violations++;
            }
            if (kept.size() >= limit) {
                truncated = true;
                continue;
            }
            kept.add(l);
        }
        return new NumberTrace(
                t.number(), t.ledger(), t.detailSince(), violations, possible, refused, List.copyOf(kept), truncated);
    }

    /** A consent event's line (an opt-out, opt-in, admin change ...), not a message's. */
    private static boolean isConsentLine(NumberTrace.Line l) {
        return l.command() == null && !l.type().startsWith("confirmation") && !NumberTrace.ROLLUP.equals(l.type());
    }

    /**
     * {@code POST /api/privacy/erase/{number}?region=&actor=&reason=} (docs/privacy.md, "Erase"): recorded with the
     * caller's token name as the actor ({@code actor}, when given, is recorded beside it).
     */
    private Object erase(Call call, String number) throws Exception {
        PrivacyErase e = erase;
        if (e == null) {
            throw new ApiException(HttpResponseStatus.NOT_FOUND, "privacy erase is not enabled");
        }
        String digits = digits(number, call.param("region"));
        String given = call.param("actor");
        String actor = given == null || given.isBlank()
                ? call.caller().name()
                : given.strip() + " (token " + call.caller().name() + ")";
        try {
            return e.erase(digits, actor, call.param("reason"));
        } catch (IllegalStateException refused) {
            throw new ApiException(HttpResponseStatus.CONFLICT, refused.getMessage());
        }
    }

    /** {@code GET /api/evidence/{number}?format=json|html|zip&region=}: the number's evidence bundle as a file. */
    private void evidence(Call call, String number) throws Exception {
        EvidenceBundles b = bundles;
        if (b == null) {
            throw new ApiException(HttpResponseStatus.NOT_FOUND, "evidence bundles are not enabled");
        }
        String digits = digits(number, call.param("region"));
        String f = call.param("format");
        EvidenceBundleFiles.Format format =
                f == null || f.isBlank() ? EvidenceBundleFiles.Format.JSON : EvidenceBundleFiles.Format.of(f);
        byte[] bytes = EvidenceBundleFiles.write(b.build(digits), format);
        log.info("admin: evidence bundle of {} made ({}, {} bytes)", PhoneNumbers.mask(digits), format, bytes.length);
        Responses.send(
                call.channel(),
                call.keepAlive(),
                Responses.file(format.contentType(), "evidence-" + digits + "." + format.extension(), bytes));
    }

    /**
     * {@code POST /api/consents}: recorded opt-ins, a JSON object or an array of them. Every row is read first:
     * any bad row answers 400 with each bad row's reasons and nothing is recorded; else 201 once every row is
     * durable (journal and Redis).
     */
    private void consents(Call call) throws Exception {
        Consents c = consents;
        if (c == null) {
            throw new ApiException(HttpResponseStatus.NOT_FOUND, "recorded opt-ins are not enabled");
        }
        List<Consents.Row> rows;
        try {
            var tree = Responses.JSON.readTree(call.body());
            if (tree == null || !(tree.isArray() || tree.isObject())) {
                throw new IllegalArgumentException("expected a JSON object or array of consents");
            }
            rows = tree.isArray()
                    ? Responses.JSON.convertValue(
                            tree,
                            Responses.JSON.getTypeFactory().constructCollectionType(List.class, Consents.Row.class))
                    : List.of(Responses.JSON.treeToValue(tree, Consents.Row.class));
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("expected a JSON object or array of {number, account, category?,"
                    + " consentText or consentTextHash, url or channel, receivedAt?, ip?, source?, actor?}: "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        }
        ApiCaller caller = call.caller();
        if (!caller.global()) {
            List<Consents.Row> own = new ArrayList<>();
            for (Consents.Row r : rows) {
                String account = r.account() == null || r.account().isBlank()
                        ? caller.account()
                        : r.account().strip();
                if (!caller.owns(new Scope.Account(account))) {
                    throw new ApiException(
                            HttpResponseStatus.FORBIDDEN,
                            caller + " may not record opt-ins for account '" + account + "'");
                }
                own.add(new Consents.Row(
                        r.number(),
                        account,
                        r.category(),
                        r.source(),
                        r.receivedAt(),
                        r.consentText(),
                        r.consentTextHash(),
                        r.url(),
                        r.channel(),
                        r.ip(),
                        caller.actor(r.actor()),
                        r.region()));
            }
            rows = own;
        }
        Consents.Checked checked = c.check(rows);
        if (!checked.rejected().isEmpty()) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put(
                    "error",
                    checked.rejected().size() + " of " + rows.size() + " consents do not read: nothing recorded");
            body.put("rejected", checked.rejected());
            reply(call, HttpResponseStatus.BAD_REQUEST, body);
            return;
        }
        List<Consents.Recorded> recorded = c.record(checked.events());
        reply(call, HttpResponseStatus.CREATED, Map.of("recorded", recorded.size(), "rows", recorded));
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
        ApiCaller c = call.caller();
        if (c.global()) {
            return admin.audit(digits, from, to, limit);
        }
        // an account's events only, filtered before the limit: a page is full whenever enough exist
        return admin.audit(digits, from, to, limit, e -> c.ownsCode(e.scope()));
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

    /** {@code /api/lists...} except the streamed load. */
    private Object lists(Call call, String path) throws Exception {
        ListAdmin l = lists;
        if (l == null) {
            throw new ApiException(HttpResponseStatus.NOT_FOUND, "external lists are not enabled");
        }
        if (path.equals(LISTS) || path.equals(LISTS + "/")) {
            allow(call, HttpMethod.GET);
            return Map.of("lists", l.status());
        }
        String rest = path.substring(LISTS.length() + 1);
        int slash = rest.indexOf('/');
        String name = slash < 0 ? rest : rest.substring(0, slash);
        String action = slash < 0 ? "" : rest.substring(slash + 1);
        switch (action) {
            case "" -> {
                if (HttpMethod.DELETE.equals(call.method())) {
                    ExternalLists.Meta removed = l.remove(name);
                    log.info(
                            "admin: list {} removed (was v{})",
                            name,
                            removed.live() == null ? "-" : removed.live().version());
                    return Map.of("removed", name);
                }
                allow(call, HttpMethod.GET);
                return l.status(name);
            }
            case "rollback" -> {
                allow(call, HttpMethod.POST);
                ExternalLists.Meta m = l.rollback(name);
                log.info("admin: list {} rolled back to v{}", name, m.live().version());
                return l.status(name);
            }
            case "fetch" -> {
                allow(call, HttpMethod.POST);
                return l.fetch(name);
            }
            default ->
                throw new ApiException(HttpResponseStatus.NOT_FOUND, "no such endpoint: " + call.method() + " " + path);
        }
    }

    /** Starts a streamed import or list load, or a rejection that answers once the body is discarded (event loop). */
    ImportUpload beginImport(ChannelHandlerContext ctx, HttpRequest request) {
        String list = listLoadName(request);
        if (list != null) {
            return beginListLoad(ctx, request, list);
        }
        Channel ch = ctx.channel();
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        ch.config().setAutoRead(true);
        Auth auth = authenticate(request);
        if (auth.caller() == null) {
            return ImportUpload.rejected(ch, request, Responses.error(auth.status(), auth.error()));
        }
        ApiCaller caller = auth.caller();
        if (!caller.allows(ApiRole.Permission.CHANGE)) {
            return ImportUpload.rejected(
                    ch,
                    request,
                    Responses.error(HttpResponseStatus.FORBIDDEN, caller + " may not import: its role reads only"));
        }
        SuppressionAdmin importer =
                caller.global() ? admin : admin.withScopes(admin.scopes().restrictedTo(caller.account()));
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        Map<String, List<String>> p = uri.parameters();
        CsvImport job;
        String actor;
        try {
            String region = SuppressionAdmin.region(first(p, "region"));
            String scopeText = first(p, "scope");
            Scope scope = scopeText == null || scopeText.isBlank()
                    ? importer.scopes().defaultScope()
                    : importer.scopes().parse(scopeText);
            String reason = SuppressionAdmin.text("reason", first(p, "reason"));
            actor = caller.actor(SuppressionAdmin.text("actor", first(p, "actor")));
            ConsentEvent.Source source = SuppressionAdmin.provenance(
                            first(p, "source"),
                            null,
                            SuppressionAdmin.IMPORT_SOURCES,
                            ConsentEvent.Source.IMPORT,
                            Instant.now())
                    .source();
            job = new CsvImport(
                    importer, scope, reason == null ? "import" : reason, actor, region, source, IMPORT_IN_FLIGHT);
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
            Duration finishWait = admin.timeout().multipliedBy(4).plus(Duration.ofSeconds(5));
            return ImportUpload.start(ch, request, csvJob(job, finishWait), pool, () -> importRunning.set(false));
        } catch (RejectedExecutionException e) {
            importRunning.set(false);
            return ImportUpload.rejected(
                    ch, request, Responses.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "admin API busy, try again"));
        }
    }

    /** A CSV import as a streamed job. */
    private static ImportUpload.Job csvJob(CsvImport job, Duration finishWait) {
        return new ImportUpload.Job() {
            @Override
            public String id() {
                return "import " + job.importId();
            }

            @Override
            public void accept(byte[] bytes, int offset, int length) throws Exception {
                job.accept(bytes, offset, length);
            }

            @Override
            public ImportUpload.Answer finish() throws Exception {
                return answer(job.finish(finishWait));
            }

            @Override
            public ImportUpload.Answer abort(String why) throws Exception {
                return answer(job.abort(why, finishWait));
            }

            private ImportUpload.Answer answer(ImportResult result) {
                double seconds = Math.max(1, result.millis()) / 1000.0;
                String summary = String.format(
                        Locale.ROOT,
                        "%d rows, %d imported, %d bad, %d failed, %d skipped in %d ms (%d rows/s)%s",
                        result.rows(),
                        result.imported(),
                        result.bad(),
                        result.failed(),
                        result.skipped(),
                        result.millis(),
                        Math.round(result.rows() / seconds),
                        result.aborted() == null ? "" : "; aborted: " + result.aborted());
                return new ImportUpload.Answer(
                        result.aborted() == null ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                        result,
                        summary);
            }
        };
    }

    /** {@code PUT /api/lists/{name}}: a streamed load of a new version of the list. */
    private ImportUpload beginListLoad(ChannelHandlerContext ctx, HttpRequest request, String name) {
        Channel ch = ctx.channel();
        ch.config().setAutoRead(true);
        Auth auth = authenticate(request);
        if (auth.caller() == null) {
            return ImportUpload.rejected(ch, request, Responses.error(auth.status(), auth.error()));
        }
        if (!auth.caller().global()) {
            return ImportUpload.rejected(
                    ch,
                    request,
                    Responses.error(
                            HttpResponseStatus.FORBIDDEN,
                            "external lists need the global admin token (http.adminToken); " + auth.caller()
                                    + " may not"));
        }
        ListAdmin l = lists;
        if (l == null) {
            return ImportUpload.rejected(
                    ch, request, Responses.error(HttpResponseStatus.NOT_FOUND, "external lists are not enabled"));
        }
        Map<String, List<String>> p = new QueryStringDecoder(request.uri()).parameters();
        ListLoad load;
        try {
            ExternalLists.checkName(name);
            load = l.begin(
                    name,
                    first(p, "kind"),
                    names(first(p, "accounts")),
                    names(first(p, "categories")),
                    first(p, "region"),
                    "upload");
        } catch (IllegalArgumentException e) {
            return ImportUpload.rejected(ch, request, Responses.error(HttpResponseStatus.BAD_REQUEST, e.getMessage()));
        } catch (IllegalStateException e) {
            return ImportUpload.rejected(ch, request, Responses.error(HttpResponseStatus.CONFLICT, e.getMessage()));
        } catch (Exception e) {
            return ImportUpload.rejected(
                    ch, request, Responses.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "list unavailable: " + e));
        }
        log.info("admin: list load {} started from {}", load.id(), ch.remoteAddress());
        boolean[] failed = {true};
        ImportUpload.Job job = new ImportUpload.Job() {
            @Override
            public String id() {
                return "list load " + load.id();
            }

            @Override
            public void accept(byte[] bytes, int offset, int length) throws Exception {
                load.accept(bytes, offset, length);
            }

            @Override
            public ImportUpload.Answer finish() throws Exception {
                ListLoadResult r = load.finish();
                failed[0] = r.aborted() != null;
                return answer(r);
            }

            @Override
            public ImportUpload.Answer abort(String why) {
                return answer(load.abort(why));
            }

            private ImportUpload.Answer answer(ListLoadResult r) {
                String summary = String.format(
                        Locale.ROOT,
                        "%d rows, %d numbers, %d bad in %d ms%s",
                        r.rows(),
                        r.count(),
                        r.bad(),
                        r.millis(),
                        r.aborted() == null ? "" : "; not made live: " + r.aborted());
                return new ImportUpload.Answer(
                        r.aborted() == null ? HttpResponseStatus.OK : HttpResponseStatus.UNPROCESSABLE_ENTITY,
                        r,
                        summary);
            }
        };
        try {
            return ImportUpload.start(ch, request, job, pool, () -> l.done(name, failed[0]));
        } catch (RejectedExecutionException e) {
            l.done(name, false);
            return ImportUpload.rejected(
                    ch, request, Responses.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "admin API busy, try again"));
        }
    }

    /** A comma-separated list parameter; null when absent, empty for an empty value. */
    private static List<String> names(String v) {
        if (v == null) {
            return null;
        }
        return Arrays.stream(v.split(","))
                .map(String::strip)
                .filter(x -> !x.isEmpty())
                .toList();
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
