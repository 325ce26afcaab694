package io.optoutgw.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/** Talks to a running gateway's admin API (java.net.http); turns every failure into a one-line {@link CliFailure}. */
final class AdminClient {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final String base;
    private final String token;
    private final HttpClient http;

    AdminClient(String url, String token) throws CliFailure {
        if (token == null || token.isBlank()) {
            throw new CliFailure(CliFailure.REFUSED, "no admin token: pass --token or set GATEWAY_ADMIN_TOKEN");
        }
        String u = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        try {
            URI uri = URI.create(u);
            if (uri.getScheme() == null || !uri.getScheme().matches("https?") || uri.getHost() == null) {
                throw new IllegalArgumentException("expected http://HOST:PORT");
            }
        } catch (IllegalArgumentException e) {
            throw new CliFailure(CliFailure.REFUSED, "bad --url '" + url + "': " + e.getMessage());
        }
        this.base = u;
        this.token = token.strip();
        this.http = HttpClient.newBuilder()
                .connectTimeout(CONNECT_TIMEOUT)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    /** {@code path?k=v&...} with the non-null parameters, URL-encoded. */
    static String path(String path, Map<String, String> params) {
        StringJoiner q = new StringJoiner("&");
        params.forEach((k, v) -> {
            if (v != null) {
                q.add(k + "=" + enc(v));
            }
        });
        return q.length() == 0 ? path : path + "?" + q;
    }

    static Map<String, String> params(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create(base + pathAndQuery)).header("Authorization", "Bearer " + token);
    }

    /** Sends and parses a JSON answer; a non-2xx answer is a CliFailure with the gateway's message. */
    JsonNode json(HttpRequest.Builder request, Duration timeout) throws CliFailure {
        HttpResponse<byte[]> r = send(request.timeout(timeout).build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() / 100 != 2) {
            throw failure(r.statusCode(), r.body());
        }
        return parse(r.body());
    }

    /** Sends and returns the answer whatever its status (for answers that carry JSON on errors too). */
    HttpResponse<byte[]> raw(HttpRequest request) throws CliFailure {
        return send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Sends and returns the body as a stream (a 2xx answer only). */
    InputStream stream(HttpRequest.Builder request) throws CliFailure {
        HttpResponse<InputStream> r = send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() / 100 != 2) {
            try (InputStream in = r.body()) {
                throw failure(r.statusCode(), in.readNBytes(64 * 1024));
            } catch (IOException e) {
                throw failure(r.statusCode(), new byte[0]);
            }
        }
        return r.body();
    }

    /** Checks that the gateway answers and accepts the token, before a long upload. */
    void hello() throws CliFailure {
        json(request("/api").GET(), Duration.ofSeconds(30));
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws CliFailure {
        try {
            return http.send(request, handler);
        } catch (HttpConnectTimeoutException e) {
            throw new CliFailure(CliFailure.UNAVAILABLE, "cannot reach the gateway at " + base + ": connect timed out");
        } catch (ConnectException e) {
            throw new CliFailure(
                    CliFailure.UNAVAILABLE, "cannot reach the gateway at " + base + ": connection refused");
        } catch (HttpTimeoutException e) {
            throw new CliFailure(CliFailure.UNAVAILABLE, "the gateway at " + base + " did not answer in time");
        } catch (IOException e) {
            throw new CliFailure(CliFailure.UNAVAILABLE, "request to " + base + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliFailure(CliFailure.UNAVAILABLE, "interrupted");
        }
    }

    static JsonNode parse(byte[] body) throws CliFailure {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new CliFailure(CliFailure.UNAVAILABLE, "the gateway sent an answer that is not JSON");
        }
    }

    static CliFailure failure(int status, byte[] body) {
        String message;
        try {
            JsonNode n = JSON.readTree(body);
            message = n != null && n.hasNonNull("error") ? n.get("error").asText() : null;
        } catch (IOException e) {
            message = null;
        }
        if (message == null) {
            message = new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8).strip();
        }
        return new CliFailure(
                status >= 500 ? CliFailure.UNAVAILABLE : CliFailure.REFUSED,
                "gateway answered " + status + ": " + message);
    }
}
