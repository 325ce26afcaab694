package io.optoutgw.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The console's static files: what is served, what is not, and the security headers on every answer. */
class ConsoleAssetsTest {

    private final ConsoleAssets assets = new ConsoleAssets();

    @Test
    void servesThePageItsScriptStyleAndTheBundledChartLibrary() {
        FullHttpResponse page = assets.serve(HttpMethod.GET, "/ui/");
        try {
            assertEquals(HttpResponseStatus.OK, page.status());
            assertEquals("text/html; charset=utf-8", page.headers().get("Content-Type"));
            String html = page.content().toString(StandardCharsets.UTF_8);
            // every script and style sheet the page loads is one this class serves, from this origin
            Matcher m = Pattern.compile("(?:src|href)=\"([^\"#]+)\"").matcher(html);
            int loaded = 0;
            while (m.find()) {
                String ref = m.group(1);
                assertFalse(ref.contains("//"), "no other origin: " + ref);
                FullHttpResponse r = assets.serve(HttpMethod.GET, "/ui/" + ref);
                try {
                    assertEquals(HttpResponseStatus.OK, r.status(), ref);
                    assertTrue(r.content().readableBytes() > 100, ref);
                } finally {
                    r.release();
                }
                loaded++;
            }
            assertEquals(3, loaded, "echarts, console.js and console.css");
        } finally {
            page.release();
        }
        FullHttpResponse lib = assets.serve(HttpMethod.GET, "/ui/vendor/echarts.min.js");
        try {
            assertEquals("text/javascript; charset=utf-8", lib.headers().get("Content-Type"));
            assertTrue(lib.content().toString(StandardCharsets.UTF_8).contains("echarts"));
        } finally {
            lib.release();
        }
    }

    @Test
    void everyAnswerCarriesTheSecurityHeaders() {
        for (String path : new String[] {"/ui/", "/ui/console.js", "/ui/nope.js", "/ui"}) {
            FullHttpResponse r = assets.serve(HttpMethod.GET, path);
            try {
                String csp = r.headers().get("Content-Security-Policy");
                assertTrue(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"), csp);
                assertFalse(csp.contains("http") || csp.contains("*") || csp.contains("unsafe-eval"), csp);
                assertFalse(csp.matches(".*script-src[^;]*unsafe-inline.*"), csp);
                assertEquals("nosniff", r.headers().get("X-Content-Type-Options"), path);
                assertEquals("DENY", r.headers().get("X-Frame-Options"), path);
            } finally {
                r.release();
            }
        }
    }

    @Test
    void servesNothingOutsideItsFolderAndOnlyGetAndHead() {
        for (String path : new String[] {
            "/ui/../ui/index.html", "/ui/..%2Fconfig.yaml", "/ui/vendor/other.js", "/ui/a/b.js", "/ui/logback.xml"
        }) {
            FullHttpResponse r = assets.serve(HttpMethod.GET, path);
            try {
                assertEquals(HttpResponseStatus.NOT_FOUND, r.status(), path);
            } finally {
                r.release();
            }
        }
        FullHttpResponse post = assets.serve(HttpMethod.POST, "/ui/");
        assertEquals(HttpResponseStatus.METHOD_NOT_ALLOWED, post.status());
        assertEquals("GET, HEAD", post.headers().get("Allow"));
        post.release();
        FullHttpResponse head = assets.serve(HttpMethod.HEAD, "/ui/console.js");
        assertEquals(HttpResponseStatus.OK, head.status());
        assertEquals(0, head.content().readableBytes());
        assertTrue(head.headers().getInt("Content-Length") > 100);
        head.release();
        FullHttpResponse bare = assets.serve(HttpMethod.GET, "/ui");
        assertEquals(HttpResponseStatus.MOVED_PERMANENTLY, bare.status());
        assertEquals("/ui/", bare.headers().get("Location"));
        bare.release();
        assertTrue(ConsoleAssets.isConsolePath("/ui/x") && ConsoleAssets.isConsolePath("/ui"));
        assertFalse(ConsoleAssets.isConsolePath("/uix") || ConsoleAssets.isConsolePath("/api/ui"));
    }
}
