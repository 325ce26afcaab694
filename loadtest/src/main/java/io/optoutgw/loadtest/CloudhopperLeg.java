package io.optoutgw.loadtest;

import com.cloudhopper.smpp.PduAsyncResponse;
import com.cloudhopper.smpp.SmppBindType;
import com.cloudhopper.smpp.SmppServerConfiguration;
import com.cloudhopper.smpp.SmppServerHandler;
import com.cloudhopper.smpp.SmppServerSession;
import com.cloudhopper.smpp.SmppSession;
import com.cloudhopper.smpp.SmppSessionConfiguration;
import com.cloudhopper.smpp.impl.DefaultSmppClient;
import com.cloudhopper.smpp.impl.DefaultSmppServer;
import com.cloudhopper.smpp.impl.DefaultSmppSessionHandler;
import com.cloudhopper.smpp.pdu.BaseBind;
import com.cloudhopper.smpp.pdu.BaseBindResp;
import com.cloudhopper.smpp.pdu.PduRequest;
import com.cloudhopper.smpp.pdu.PduResponse;
import com.cloudhopper.smpp.pdu.SubmitSm;
import com.cloudhopper.smpp.pdu.SubmitSmResp;
import com.cloudhopper.smpp.type.Address;
import io.netty.channel.nio.NioEventLoopGroup;
import io.optoutgw.testsupport.FreePorts;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Peer reference: cloudhopper-smpp's own session layer, DefaultSmppClient -> DefaultSmppServer in
 * this JVM (the server answers every submit_sm at once; no receipts). One sender thread per bind
 * calls {@code sendRequestPdu(..., synchronous=false)}, which blocks while the window is full.
 */
final class CloudhopperLeg implements AutoCloseable {

    private final int binds;
    private final int window;
    private final DefaultSmppServer server;
    private final DefaultSmppClient client;
    private final NioEventLoopGroup clientGroup;
    private final ScheduledExecutorService monitor = Executors.newScheduledThreadPool(1, r -> {
        Thread t = new Thread(r, "ch-monitor");
        t.setDaemon(true);
        return t;
    });
    private final List<SmppSession> sessions = new ArrayList<>();
    private final List<Thread> senders = new ArrayList<>();
    final Recorder latency = new Recorder(3);
    final LongAdder responses = new LongAdder();
    final LongAdder sent = new LongAdder();
    final LongAdder errors = new LongAdder();
    private final AtomicLong messageIds = new AtomicLong();
    private volatile boolean running;

    CloudhopperLeg(int binds, int window, int ioThreads) throws Exception {
        this.binds = binds;
        this.window = window;
        int port = FreePorts.find();
        SmppServerConfiguration sc = new SmppServerConfiguration();
        sc.setPort(port);
        sc.setMaxConnectionSize(binds + 10);
        sc.setNonBlockingSocketsEnabled(true);
        sc.setDefaultRequestExpiryTimeout(30_000);
        sc.setDefaultWindowMonitorInterval(15_000);
        sc.setDefaultWindowSize(window);
        sc.setDefaultWindowWaitTimeout(60_000);
        sc.setDefaultSessionCountersEnabled(false);
        sc.setJmxEnabled(false);
        server = new DefaultSmppServer(
                sc, new ServerHandler(), monitor, new NioEventLoopGroup(1), new NioEventLoopGroup(ioThreads));
        CloudhopperProxy.startOnLoopback(server, port);
        clientGroup = new NioEventLoopGroup(ioThreads);
        client = new DefaultSmppClient(clientGroup, monitor);
        for (int i = 0; i < binds; i++) {
            SmppSessionConfiguration cfg = new SmppSessionConfiguration();
            cfg.setWindowSize(window);
            cfg.setName("ch-" + i);
            cfg.setType(SmppBindType.TRANSCEIVER);
            cfg.setHost("127.0.0.1");
            cfg.setPort(port);
            cfg.setConnectTimeout(10_000);
            cfg.setSystemId("ch");
            cfg.setPassword("ch");
            cfg.setRequestExpiryTimeout(30_000);
            cfg.setWindowMonitorInterval(15_000);
            cfg.setCountersEnabled(false);
            cfg.setLoggingOptions(CloudhopperProxy.quiet());
            sessions.add(client.bind(cfg, new ClientHandler()));
        }
    }

    void start() {
        running = true;
        for (int i = 0; i < binds; i++) {
            SmppSession s = sessions.get(i);
            SplittableRandom random = new SplittableRandom(0xc0ffee + i);
            Thread t = new Thread(() -> sendLoop(s, random), "ch-sender-" + i);
            t.setDaemon(true);
            senders.add(t);
            t.start();
        }
    }

    private void sendLoop(SmppSession s, SplittableRandom random) {
        while (running && s.isBound()) {
            try {
                SubmitSm sm = new SubmitSm();
                sm.setSourceAddress(new Address((byte) 3, (byte) 0, LoadGenerator.SHORT_CODE));
                sm.setDestAddress(new Address(
                        (byte) 1,
                        (byte) 1,
                        Long.toString(LoadGenerator.NON_LIST_BASE + random.nextInt(LoadGenerator.NON_LIST_SIZE))));
                sm.setShortMessage(LoadGenerator.TEXT);
                sm.setReferenceObject(System.nanoTime());
                s.sendRequestPdu(sm, 30_000, false);
                sent.increment();
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                errors.increment();
            }
        }
    }

    void stopSending() throws InterruptedException {
        running = false;
        for (Thread t : senders) {
            t.join(5_000);
        }
    }

    Histogram intervalHistogram() {
        return latency.getIntervalHistogram();
    }

    @Override
    public void close() {
        running = false;
        for (SmppSession s : sessions) {
            try {
                s.unbind(1000);
                s.destroy();
            } catch (RuntimeException ignored) {
                // best effort
            }
        }
        client.destroy();
        server.destroy();
        clientGroup.shutdownGracefully();
        monitor.shutdownNow();
    }

    private final class ClientHandler extends DefaultSmppSessionHandler {
        @Override
        public void fireExpectedPduResponseReceived(PduAsyncResponse r) {
            Object start = r.getRequest().getReferenceObject();
            if (start instanceof Long t) {
                latency.recordValue(Math.max(0, System.nanoTime() - t));
            }
            responses.increment();
        }

        @Override
        public PduResponse firePduRequestReceived(PduRequest request) {
            return request.createResponse();
        }
    }

    private final class ServerHandler implements SmppServerHandler {
        @Override
        public void sessionBindRequested(Long id, SmppSessionConfiguration cfg, BaseBind bind) {
            cfg.setLoggingOptions(CloudhopperProxy.quiet());
            cfg.setCountersEnabled(false);
        }

        @Override
        public void sessionCreated(Long id, SmppServerSession session, BaseBindResp resp) {
            session.serverReady(new DefaultSmppSessionHandler() {
                @Override
                public PduResponse firePduRequestReceived(PduRequest request) {
                    PduResponse r = request.createResponse();
                    if (r instanceof SubmitSmResp s) {
                        s.setMessageId(Long.toHexString(messageIds.incrementAndGet()));
                    }
                    return r;
                }
            });
        }

        @Override
        public void sessionDestroyed(Long id, SmppServerSession session) {
            session.destroy();
        }
    }
}
