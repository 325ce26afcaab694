package io.optoutgw.http;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The body of one {@code POST /api/suppressions/import} or {@code PUT /api/lists/{name}}, streamed: chunks go from the event loop to
 * an admin thread that parses and records them; the connection stops reading while more than
 * {@value #HIGH_WATER} bytes wait, so memory stays bounded whatever the file size. A rejected
 * upload discards the body and then answers (or answers at once and closes when the client
 * asked {@code Expect: 100-continue}, so it never sends the body).
 */
final class ImportUpload {

    private static final Logger log = LoggerFactory.getLogger(ImportUpload.class);
    static final int HIGH_WATER = 1 << 20;
    static final int LOW_WATER = 256 << 10;
    private static final byte[] END = new byte[0];
    private static final byte[] GONE = new byte[0];

    private final Channel ch;
    private final boolean keepAlive;
    private final FullHttpResponse rejection;
    private boolean answered;
    private final Job job;
    private final BlockingQueue<byte[]> chunks;
    private final AtomicLong queued = new AtomicLong();

    /** What consumes the body on the admin thread. */
    interface Job {
        /** How the log names it. */
        String id();

        void accept(byte[] bytes, int offset, int length) throws Exception;

        /** The body ended: the answer. */
        Answer finish() throws Exception;

        /** The client went away before the end of the body: what is logged. */
        Answer abort(String why) throws Exception;
    }

    /** The answer to a streamed upload: its status, JSON body and the log line's summary. */
    record Answer(HttpResponseStatus status, Object body, String summary) {}

    private ImportUpload(Channel ch, boolean keepAlive, FullHttpResponse rejection, Job job) {
        this.ch = ch;
        this.keepAlive = keepAlive;
        this.rejection = rejection;
        this.job = job;
        this.chunks = job == null ? null : new LinkedBlockingQueue<>();
    }

    static ImportUpload rejected(Channel ch, HttpRequest request, FullHttpResponse response) {
        ImportUpload u = new ImportUpload(ch, HttpUtil.isKeepAlive(request), response, null);
        if (HttpUtil.is100ContinueExpected(request)) {
            // the client waits for 100 Continue before sending the body: answer now and close
            u.answered = true;
            HttpUtil.setKeepAlive(response, false);
            ch.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
        return u;
    }

    static ImportUpload start(Channel ch, HttpRequest request, Job job, Executor pool, Runnable done) {
        ImportUpload u = new ImportUpload(ch, HttpUtil.isKeepAlive(request), null, job);
        pool.execute(() -> {
            try {
                u.work();
            } finally {
                done.run();
            }
        });
        if (HttpUtil.is100ContinueExpected(request)) {
            ch.writeAndFlush(new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
        }
        return u;
    }

    /** A chunk of the body (on the event loop); the caller releases it. */
    void content(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        if (job == null) {
            if (last && !answered) {
                answered = true;
                Responses.send(ch, keepAlive, rejection);
            }
            return;
        }
        int n = content.content().readableBytes();
        if (n > 0) {
            chunks.add(ByteBufUtil.getBytes(content.content()));
            if (queued.addAndGet(n) > HIGH_WATER) {
                ch.config().setAutoRead(false);
            }
        }
        if (last) {
            ch.config().setAutoRead(false); // the next request waits for this answer
            chunks.add(END);
        }
    }

    /** The connection closed before the body ended. */
    void clientGone() {
        if (job != null) {
            chunks.add(GONE);
        }
    }

    private void resumeIfDrained() {
        if (queued.get() < LOW_WATER && ch.isActive()) {
            ch.config().setAutoRead(true);
        }
    }

    private void work() {
        Answer result;
        boolean complete = false;
        try {
            while (true) {
                byte[] b = chunks.poll(1, TimeUnit.SECONDS);
                if (b == null) {
                    continue;
                }
                if (b == END) {
                    result = job.finish();
                    complete = true;
                    break;
                }
                if (b == GONE) {
                    result = job.abort("the client closed the connection before the end of the body");
                    break;
                }
                job.accept(b, 0, b.length);
                if (queued.addAndGet(-b.length) < LOW_WATER) {
                    ch.eventLoop().execute(this::resumeIfDrained);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.warn("admin: {} interrupted (gateway stopping)", job.id());
            ch.close();
            return;
        } catch (Exception e) {
            log.warn("admin: {} failed: {}", job.id(), e.toString());
            Responses.send(
                    ch,
                    false,
                    Responses.error(
                            e instanceof RuntimeException
                                    ? HttpResponseStatus.INTERNAL_SERVER_ERROR
                                    : HttpResponseStatus.SERVICE_UNAVAILABLE,
                            job.id() + " failed: " + e));
            return;
        }
        log.info("admin: {} {}: {}", job.id(), complete ? "done" : "stopped", result.summary());
        if (complete) {
            FullHttpResponse r = Responses.json(result.status(), result.body());
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
            Responses.send(ch, keepAlive, r);
        }
    }
}
