package io.optoutgw.console;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The web console's static files, served under {@code /ui/} on the gateway's HTTP port: the page,
 * its script and style sheet (resources under {@code ui/}) and the bundled charting library
 * ({@code /ui/vendor/echarts.min.js}, from the echarts webjar). Nothing here needs the admin
 * token: the page holds no data, every datum comes from the authenticated admin API. Every answer
 * carries a Content-Security-Policy that allows this origin only and forbids framing.
 */
public final class ConsoleAssets {

    /** Where the console lives. */
    public static final String PREFIX = "/ui";

    /**
     * Scripts, styles, images and API calls from this origin only; no framing, no plugins, no
     * base rewriting. Inline {@code style} attributes are allowed (the charting library positions
     * its tooltip with them); inline scripts and style sheets are not.
     */
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "style-src-attr 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; "
            + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /** A file name under {@code ui/}: no directory part, so no way out of it. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+\\.(html|js|css|svg|png|ico)");

    private static final String ECHARTS = "/ui/vendor/echarts.min.js";
    private static final String WEBJAR_POM = "META-INF/maven/org.webjars.npm/echarts/pom.properties";

    private record Asset(byte[] bytes, String type) {}

    private static final Asset MISSING = new Asset(new byte[0], null);

    private final Map<String, Asset> cache = new ConcurrentHashMap<>();

    public static boolean isConsolePath(String path) {
        return path.equals(PREFIX) || path.startsWith(PREFIX + "/");
    }

    /** The answer to {@code method path} (a console path): the file, a redirect to {@code /ui/}, 404 or 405. */
    public FullHttpResponse serve(HttpMethod method, String path) {
        boolean head = HttpMethod.HEAD.equals(method);
        if (!head && !HttpMethod.GET.equals(method)) {
            FullHttpResponse r = text(HttpResponseStatus.METHOD_NOT_ALLOWED, method + " not allowed (use GET)");
            r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            return r;
        }
        if (path.equals(PREFIX)) {
            FullHttpResponse r = text(HttpResponseStatus.MOVED_PERMANENTLY, "the console is at " + PREFIX + "/");
            r.headers().set(HttpHeaderNames.LOCATION, PREFIX + "/");
            return r;
        }
        Asset a = cache.computeIfAbsent(path, ConsoleAssets::load);
        if (a == MISSING) {
            return text(HttpResponseStatus.NOT_FOUND, "no such file in the console: " + path);
        }
        FullHttpResponse r = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1,
                HttpResponseStatus.OK,
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(a.bytes()));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, a.type());
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, a.bytes().length);
        // revalidated on every load: a gateway upgrade must not leave an old script in the browser
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        return secure(r);
    }

    /** The security headers every console answer carries. */
    static FullHttpResponse secure(FullHttpResponse r) {
        r.headers()
                .set("Content-Security-Policy", CSP)
                .set("X-Content-Type-Options", "nosniff")
                .set("X-Frame-Options", "DENY")
                .set("Referrer-Policy", "no-referrer")
                .set("Cross-Origin-Opener-Policy", "same-origin");
        return r;
    }

    private static Asset load(String path) {
        if (path.equals(ECHARTS)) {
            String version = webjarVersion();
            return version == null
                    ? MISSING
                    : resource("META-INF/resources/webjars/echarts/" + version + "/dist/echarts.min.js", "js");
        }
        String name = path.equals(PREFIX + "/") ? "index.html" : path.substring(PREFIX.length() + 1);
        if (!NAME.matcher(name).matches()) {
            return MISSING;
        }
        return resource("ui/" + name, name.substring(name.lastIndexOf('.') + 1));
    }

    private static String webjarVersion() {
        try (InputStream in = ConsoleAssets.class.getClassLoader().getResourceAsStream(WEBJAR_POM)) {
            if (in == null) {
                return null;
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Asset resource(String name, String extension) {
        try (InputStream in = ConsoleAssets.class.getClassLoader().getResourceAsStream(name)) {
            return in == null ? MISSING : new Asset(in.readAllBytes(), type(extension));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String type(String extension) {
        return switch (extension) {
            case "html" -> "text/html; charset=utf-8";
            case "js" -> "text/javascript; charset=utf-8";
            case "css" -> "text/css; charset=utf-8";
            case "svg" -> "image/svg+xml";
            case "png" -> "image/png";
            case "ico" -> "image/x-icon";
            default -> "application/octet-stream";
        };
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body) {
        FullHttpResponse r = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
        return secure(r);
    }
}
