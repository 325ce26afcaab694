package io.optoutgw.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.optoutgw.admin.CsvRows;
import io.optoutgw.admin.Reads;
import io.optoutgw.admin.ScopeNames;
import io.optoutgw.config.OptOutPolicy;
import io.optoutgw.suppression.NumberKeys;
import io.optoutgw.suppression.SuppressionStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.commons.csv.CSVPrinter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/suppressions/export}: walks every bucket of the list (reading the buckets that
 * exist, {@link SuppressionStore#presentBuckets}) and streams the suppressed entries as chunked
 * CSV {@code number,scope,since,category} ({@code category}: the consent category an entry
 * covers, {@code all} for every category), waiting for the client whenever the connection's
 * outbound buffer is full. An error after the first byte closes the connection
 * without the final chunk, so a client cannot mistake a cut export for a complete one.
 */
final class CsvExport {

    private static final Logger log = LoggerFactory.getLogger(CsvExport.class);
    /** The columns, the first record written. */
    static final String[] HEADER = {"number", "scope", "since", "category"};

    /** Buckets asked about at once: a batch without any entry costs one script. */
    private static final int BUCKET_BATCH = 1024;

    private static final int CHUNK_CHARS = 32 * 1024;
    private static final long WRITE_WAIT_SECONDS = 120;

    private CsvExport() {}

    static void stream(Channel ch, boolean keepAlive, SuppressionStore store, Duration timeout) throws Exception {
        stream(ch, keepAlive, store, timeout, scope -> true, key -> null);
    }

    /**
     * As above, with the rows of the scopes (compact codes) {@code visible} accepts only; in privacy mode hmac,
     * {@code numberOf} gives the digits of a key when they are known (from the journal), else null and the row
     * carries the key (docs/privacy.md).
     */
    static void stream(
            Channel ch,
            boolean keepAlive,
            SuppressionStore store,
            Duration timeout,
            Predicate<String> visible,
            Function<String, String> numberOf)
            throws Exception {
        // Read the first batch before answering, so that an unavailable Redis is still a clean 503.
        int[] order = store.walkOrder();
        List<List<SuppressionStore.ListEntry>> first = batch(store, order, 0, timeout);
        long start = System.nanoTime();
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/csv; charset=utf-8");
        head.headers().set("X-Suppression-Buckets", store.buckets());
        HttpUtil.setTransferEncodingChunked(head, true);
        HttpUtil.setKeepAlive(head, keepAlive);
        ch.write(head);
        StringBuilder sb = new StringBuilder(CHUNK_CHARS + 256);
        // Commons CSV writes the records into the chunk being filled (quoting a field only where needed)
        CSVPrinter csv = new CSVPrinter(sb, CsvRows.FORMAT);
        csv.printRecord((Object[]) HEADER);
        long rows = 0;
        try {
            for (int b = 0; b < store.buckets(); b += BUCKET_BATCH) {
                List<List<SuppressionStore.ListEntry>> entries = b == 0 ? first : batch(store, order, b, timeout);
                for (List<SuppressionStore.ListEntry> bucket : entries) {
                    for (SuppressionStore.ListEntry e : bucket) {
                        if (!e.suppressed() || !visible.test(e.scope())) {
                            continue; // opted back in, or another account's
                        }
                        // privacy mode hmac: the list holds the number's key, not the number (docs/privacy.md)
                        String number = NumberKeys.isKey(e.digits()) ? numberOf.apply(e.digits()) : e.digits();
                        csv.printRecord(
                                number == null ? e.digits() : "+" + number,
                                ScopeNames.display(e.scope()),
                                e.since(),
                                e.category() == null ? OptOutPolicy.ALL : e.category());
                        rows++;
                    }
                }
                if (sb.length() >= CHUNK_CHARS) {
                    write(ch, sb);
                }
            }
            if (sb.length() > 0) {
                write(ch, sb);
            }
        } catch (Exception e) {
            log.warn("admin: export failed after {} rows: {}; closing the connection", rows, e.toString());
            ch.close();
            return;
        }
        long done = rows;
        ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(f -> {
            if (!keepAlive || !f.isSuccess()) {
                ch.close();
            } else {
                ch.config().setAutoRead(true);
            }
        });
        log.info("admin: export of {} rows done in {} ms", done, (System.nanoTime() - start) / 1_000_000);
    }

    private static List<List<SuppressionStore.ListEntry>> batch(
            SuppressionStore store, int[] order, int from, Duration timeout) throws Exception {
        return Reads.listBuckets(store, order, from, Math.min(order.length, from + BUCKET_BATCH), timeout);
    }

    /** Writes the buffered rows as one chunk; waits while the client is not keeping up. */
    private static void write(Channel ch, StringBuilder sb) throws Exception {
        if (!ch.isActive()) {
            throw new IOException("client went away");
        }
        ChannelFuture f = ch.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(sb, StandardCharsets.UTF_8)));
        sb.setLength(0);
        if (!ch.isWritable()) {
            if (!f.await(WRITE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new IOException("client did not read for " + WRITE_WAIT_SECONDS + " s");
            }
            if (!f.isSuccess()) {
                throw new IOException("write failed: " + f.cause());
            }
        }
    }
}
