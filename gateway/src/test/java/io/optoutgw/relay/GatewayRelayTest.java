package io.optoutgw.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.app.Gateway;
import io.optoutgw.config.ConfigLoader;
import io.optoutgw.config.ConfigOverrides;
import io.optoutgw.config.GatewayConfig;
import io.optoutgw.simulator.ReceivedMessage;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.testsupport.Esmes;
import io.optoutgw.testsupport.RedisServerProcess;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.jsmpp.bean.AlertNotification;
import org.jsmpp.bean.Alphabet;
import org.jsmpp.bean.BindType;
import org.jsmpp.bean.DataSm;
import org.jsmpp.bean.DeliverSm;
import org.jsmpp.bean.ESMClass;
import org.jsmpp.bean.GeneralDataCoding;
import org.jsmpp.bean.MessageState;
import org.jsmpp.bean.NumberingPlanIndicator;
import org.jsmpp.bean.OptionalParameter;
import org.jsmpp.bean.RegisteredDelivery;
import org.jsmpp.bean.TypeOfNumber;
import org.jsmpp.extra.NegativeResponseException;
import org.jsmpp.session.BindParameter;
import org.jsmpp.session.DataSmResult;
import org.jsmpp.session.MessageReceiverListener;
import org.jsmpp.session.QuerySmResult;
import org.jsmpp.session.SMPPSession;
import org.jsmpp.session.Session;
import org.jsmpp.session.SubmitSmResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The gateway end to end: jSMPP (an SMPP client nobody here wrote) binds as the ESME, the gateway
 * relays to the SMSC simulator, and a real redis-server holds the message id map. All on loopback.
 */
@Tag("integration")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatewayRelayTest {

    private static RedisServerProcess redis;
    private static SmscSimulator smsc;
    private static Gateway gateway;
    private final List<SMPPSession> sessions = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServerProcess.start();
        smsc = new SmscSimulator(SimulatorOptions.builder()
                        .credentials(Map.of("gw", "gwpass"))
                        .build())
                .start();
        String yaml =
                """
                instanceId: it-1
                smpp: { host: 127.0.0.1, port: 0, bindTimeout: 3s, unbindDrainTimeout: 2s }
                http: { host: 127.0.0.1, port: 0 }
                redis: { uri: "%s", commandTimeout: 500ms }
                relay: { requestTimeout: 1s }
                optout: { journalDir: "%s" }
                upstreams:
                  - name: sim
                    host: 127.0.0.1
                    port: %d
                    systemId: gw
                    password: gwpass
                    binds: 2
                    enquireLinkInterval: 20s
                    responseTimeout: 5s
                    reconnectInitialDelay: 100ms
                    reconnectMaxDelay: 500ms
                accounts:
                  - { systemId: acme, password: acme-pw, numbers: ["12345"] }
                  - { systemId: beta, password: beta-pw, numbers: ["67890"] }
                  - { systemId: tiny, password: tiny-pw, windowSize: 1, numbers: ["55555"] }
                  - { systemId: absent, password: abs-pw, numbers: ["99999"] }
                  - { systemId: pair, password: pair-pw, windowSize: 4, numbers: ["44444"] }
                  - { systemId: slowrx, password: slow-pw, windowSize: 2, numbers: ["33333"] }
                """.formatted(redis.uri(), io.optoutgw.testsupport.TestGateways.tempJournalDir("it-1"), smsc.port());
        GatewayConfig config = ConfigLoader.parse(yaml, ConfigOverrides.NONE);
        gateway = Gateway.start(config);
        assertTrue(gateway.awaitUpstreamsBound(Duration.ofSeconds(10)), "gateway bound to the simulator");
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (smsc != null) {
            smsc.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @AfterEach
    void unbindClients() {
        smsc.setSilent(false);
        for (SMPPSession s : sessions) {
            s.unbindAndClose();
        }
    }

    private SMPPSession bind(BindType type, String systemId, String password, Listener listener) throws IOException {
        SMPPSession s = new SMPPSession();
        s.setTransactionTimer(5000);
        if (listener != null) {
            s.setMessageReceiverListener(listener);
        }
        s.connectAndBind(
                "127.0.0.1",
                gateway.smppPort(),
                new BindParameter(
                        type, systemId, password, "", TypeOfNumber.UNKNOWN, NumberingPlanIndicator.UNKNOWN, null),
                5000);
        sessions.add(s);
        return s;
    }

    private static SubmitSmResult submit(SMPPSession s, String from, String to, String text, boolean receipt)
            throws Exception {
        return Esmes.submit(s, from, to, text, receipt);
    }

    /** Collects what the gateway delivers to one ESME session. */
    static class Listener implements MessageReceiverListener {
        final BlockingQueue<DeliverSm> delivered = new LinkedBlockingQueue<>();

        @Override
        public void onAcceptDeliverSm(DeliverSm deliverSm) {
            delivered.add(deliverSm);
        }

        @Override
        public void onAcceptAlertNotification(AlertNotification alertNotification) {}

        @Override
        public DataSmResult onAcceptDataSm(DataSm dataSm, Session source) {
            return null;
        }
    }

    @Test
    void allThreeBindTypesAreAccepted() throws Exception {
        for (BindType type : List.of(BindType.BIND_TX, BindType.BIND_RX, BindType.BIND_TRX)) {
            SMPPSession s = bind(type, "acme", "acme-pw", new Listener());
            assertTrue(s.getSessionState().isBound(), type + " bound");
        }
    }

    @Test
    void wrongPasswordAndUnknownUserAreRefusedAlike() {
        IOException wrong = assertThrows(IOException.class, () -> bind(BindType.BIND_TRX, "acme", "nope", null));
        IOException unknown = assertThrows(IOException.class, () -> bind(BindType.BIND_TRX, "who", "acme-pw", null));
        assertEquals(0x0D, ((NegativeResponseException) wrong.getCause()).getCommandStatus());
        assertEquals(0x0D, ((NegativeResponseException) unknown.getCause()).getCommandStatus());
    }

    @Test
    void submitIsRelayedAndTheSmscMessageIdComesBack() throws Exception {
        smsc.clearRecords();
        SMPPSession s = bind(BindType.BIND_TX, "acme", "acme-pw", null);
        SubmitSmResult result = submit(s, "12345", "15551230001", "hello through the gateway", false);
        List<ReceivedMessage> got = smsc.awaitSubmits(1, Duration.ofSeconds(5));
        assertEquals(got.get(0).messageId(), result.getMessageId());
        assertEquals("gw", got.get(0).systemId());
        assertEquals("15551230001", got.get(0).pdu().getDestAddress().getAddress());
        assertEquals(
                "hello through the gateway",
                new String(got.get(0).pdu().getShortMessage(), StandardCharsets.ISO_8859_1));
    }

    @Test
    void receiptReachesTheAccountThatSubmittedNotAnother() throws Exception {
        Listener acmeInbox = new Listener();
        Listener betaInbox = new Listener();
        SMPPSession acme = bind(BindType.BIND_TRX, "acme", "acme-pw", acmeInbox);
        bind(BindType.BIND_TRX, "beta", "beta-pw", betaInbox);
        SubmitSmResult result = submit(acme, "12345", "15551230002", "receipt please", true);
        DeliverSm receipt = acmeInbox.delivered.poll(5, TimeUnit.SECONDS);
        assertNotNull(receipt, "acme got its receipt");
        assertTrue(receipt.isSmscDeliveryReceipt());
        assertEquals(
                result.getMessageId(),
                receipt.getShortMessageAsDeliveryReceipt().getId());
        assertNull(betaInbox.delivered.poll(300, TimeUnit.MILLISECONDS), "beta got nothing");
    }

    @Test
    void moIsRoutedToTheAccountOwningTheShortCode() throws Exception {
        Listener acmeInbox = new Listener();
        Listener betaInbox = new Listener();
        bind(BindType.BIND_RX, "acme", "acme-pw", acmeInbox);
        bind(BindType.BIND_RX, "beta", "beta-pw", betaInbox);
        CompletableFuture<Integer> status =
                smsc.injectMo("15557654321", "67890", "hi beta".getBytes(StandardCharsets.ISO_8859_1), (byte) 0);
        assertEquals(0, status.get(5, TimeUnit.SECONDS), "SMSC got ESME_ROK once beta took it");
        DeliverSm mo = betaInbox.delivered.poll(5, TimeUnit.SECONDS);
        assertNotNull(mo);
        assertEquals("15557654321", mo.getSourceAddr());
        assertEquals("hi beta", new String(mo.getShortMessage(), StandardCharsets.ISO_8859_1));
        assertNull(acmeInbox.delivered.poll(200, TimeUnit.MILLISECONDS));
    }

    @Test
    void moForAnAccountWithNoBoundReceiverGetsTemporaryErrorSoTheSmscRetries() throws Exception {
        CompletableFuture<Integer> status =
                smsc.injectMo("15557654321", "99999", "nobody home".getBytes(StandardCharsets.ISO_8859_1), (byte) 0);
        assertEquals(0x64, status.get(5, TimeUnit.SECONDS), "ESME_RX_T_APPN, never ESME_ROK");
        CompletableFuture<Integer> unowned =
                smsc.injectMo("15557654321", "11111", "no owner".getBytes(StandardCharsets.ISO_8859_1), (byte) 0);
        assertEquals(0x64, unowned.get(5, TimeUnit.SECONDS));
    }

    @Test
    void silentSmscProducesAnErrorResponseWhenTheRequestExpires() throws Exception {
        SMPPSession s = bind(BindType.BIND_TX, "acme", "acme-pw", null);
        smsc.setSilent(true);
        long start = System.nanoTime();
        NegativeResponseException e = assertThrows(
                NegativeResponseException.class, () -> submit(s, "12345", "15551230003", "into the void", false));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(0x08, e.getCommandStatus(), "ESME_RSYSERR after relay.requestTimeout");
        assertTrue(millis >= 900 && millis < 4000, "expired after about 1 s, took " + millis + " ms");
    }

    @Test
    void requestsBeyondTheAccountWindowAreThrottled() throws Exception {
        SMPPSession s = bind(BindType.BIND_TX, "tiny", "tiny-pw", null);
        smsc.setSilent(true); // the first submit holds the only window slot until it expires
        CompletableFuture<Integer> first = CompletableFuture.supplyAsync(() -> {
            try {
                submit(s, "55555", "15551230004", "one", false);
                return 0;
            } catch (NegativeResponseException e) {
                return e.getCommandStatus();
            } catch (Exception e) {
                return -1;
            }
        });
        Thread.sleep(300);
        NegativeResponseException second =
                assertThrows(NegativeResponseException.class, () -> submit(s, "55555", "15551230005", "two", false));
        assertEquals(0x58, second.getCommandStatus(), "ESME_RTHROTTLED");
        assertEquals(0x08, first.get(5, TimeUnit.SECONDS));
    }

    @Test
    void upstreamDropIsFollowedByReconnectAndTrafficFlowsAgain() throws Exception {
        SMPPSession s = bind(BindType.BIND_TX, "acme", "acme-pw", null);
        long bindsBefore = smsc.bindCount();
        smsc.dropConnections();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (smsc.bindCount() < bindsBefore + 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(smsc.bindCount() >= bindsBefore + 2, "both upstream sessions bound again");
        assertTrue(gateway.awaitUpstreamsBound(Duration.ofSeconds(5)));
        SubmitSmResult result = submit(s, "12345", "15551230006", "after reconnect", false);
        assertNotNull(result.getMessageId());
    }

    @Test
    void querySmCancelSmReplaceSmAndDataSmAreRelayed() throws Exception {
        smsc.clearRecords();
        SMPPSession s = bind(BindType.BIND_TRX, "acme", "acme-pw", new Listener());
        String id = submit(s, "12345", "15551230007", "to be queried", false).getMessageId();
        QuerySmResult query = s.queryShortMessage(id, TypeOfNumber.UNKNOWN, NumberingPlanIndicator.UNKNOWN, "12345");
        assertEquals(MessageState.DELIVERED, query.getMessageState());
        s.replaceShortMessage(
                id,
                TypeOfNumber.UNKNOWN,
                NumberingPlanIndicator.UNKNOWN,
                "12345",
                null,
                null,
                new RegisteredDelivery(),
                (byte) 0,
                "replaced".getBytes(StandardCharsets.ISO_8859_1));
        s.cancelShortMessage(
                "",
                id,
                TypeOfNumber.UNKNOWN,
                NumberingPlanIndicator.UNKNOWN,
                "12345",
                TypeOfNumber.INTERNATIONAL,
                NumberingPlanIndicator.ISDN,
                "15551230007");
        DataSmResult data = s.dataShortMessage(
                "",
                TypeOfNumber.UNKNOWN,
                NumberingPlanIndicator.UNKNOWN,
                "12345",
                TypeOfNumber.INTERNATIONAL,
                NumberingPlanIndicator.ISDN,
                "15551230008",
                new ESMClass(),
                new RegisteredDelivery(),
                new GeneralDataCoding(Alphabet.ALPHA_DEFAULT),
                new OptionalParameter.OctetString(OptionalParameter.Tag.MESSAGE_PAYLOAD.code(), "data sm payload"));
        assertNotNull(data.getMessageId());
        List<ReceivedMessage> got = smsc.awaitSubmits(2, Duration.ofSeconds(5));
        assertEquals(data.getMessageId(), got.get(1).messageId());
        assertEquals("15551230008", got.get(1).pdu().getDestAddress().getAddress());
    }

    /**
     * An account with two receivers, one of which never answers deliver_sm: once its window is
     * full, every MO goes to the other one. Picking in turn would refuse every second MO with
     * ESME_RX_T_APPN while the other session had room.
     */
    @Test
    void deliveriesGoToAReceiverWithRoomNotToOneWhoseWindowIsFull() throws Exception {
        try (Socket silent = new Socket("127.0.0.1", gateway.smppPort())) {
            silent.setSoTimeout(5000);
            silent.getOutputStream().write(bindReceiver(1, "pair", "pair-pw"));
            DataInputStream in = new DataInputStream(silent.getInputStream());
            int length = in.readInt();
            assertEquals(0x80000001, in.readInt(), "bind_receiver_resp");
            assertEquals(0, in.readInt(), "bound");
            in.skipNBytes(length - 12);
            Listener inbox = new Listener();
            bind(BindType.BIND_RX, "pair", "pair-pw", inbox);
            int sent = 12;
            int window = 4;
            List<CompletableFuture<Integer>> statuses = new ArrayList<>();
            for (int i = 0; i < sent; i++) {
                CompletableFuture<Integer> status = smsc.injectMo(
                        "155576543" + (10 + i), "44444", ("hello " + i).getBytes(StandardCharsets.ISO_8859_1), (byte)
                                0);
                statuses.add(status);
                try {
                    status.get(200, TimeUnit.MILLISECONDS);
                } catch (TimeoutException heldBySilentReceiver) {
                    // answered when the silent session's request expires (relay.requestTimeout 1 s)
                }
            }
            int ok = 0;
            for (CompletableFuture<Integer> s : statuses) {
                int status = s.get(10, TimeUnit.SECONDS);
                if (status == 0) {
                    ok++;
                } else {
                    assertEquals(0x64, status, "ESME_RX_T_APPN for an MO the silent receiver held");
                }
            }
            assertTrue(
                    ok >= sent - window, ok + " of " + sent + " MO accepted; the silent receiver can hold " + window);
            int got = 0;
            while (inbox.delivered.poll(200, TimeUnit.MILLISECONDS) != null) {
                got++;
            }
            assertEquals(ok, got, "every accepted MO reached the answering receiver");
        }
    }

    /**
     * A burst larger than the ESME's window waits for free slots instead of being refused: four
     * MO to a receiver with window 2 that takes 100 ms per deliver_sm are all accepted, in order.
     */
    @Test
    void aBurstLargerThanTheWindowWaitsForSlotsInsteadOfBeingRefused() throws Exception {
        Listener slow = new Listener() {
            @Override
            public void onAcceptDeliverSm(DeliverSm deliverSm) {
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                delivered.add(deliverSm);
            }
        };
        bind(BindType.BIND_RX, "slowrx", "slow-pw", slow);
        List<CompletableFuture<Integer>> statuses = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            statuses.add(smsc.injectMo(
                    "15557654399", "33333", ("burst " + i).getBytes(StandardCharsets.ISO_8859_1), (byte) 0));
        }
        // two of them wait for a slot while the first two are answered: the gauge shows them
        var http = HttpClient.newHttpClient();
        var scrape = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + "/metrics"))
                .build();
        double maxWaiting = 0;
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
        while (System.nanoTime() < until && maxWaiting < 2) {
            String body =
                    http.send(scrape, HttpResponse.BodyHandlers.ofString()).body();
            var m = Pattern.compile("smppgw_esme_deliveries_waiting\\{account=\"slowrx\"[^}]*} (\\S+)")
                    .matcher(body);
            assertTrue(m.find(), "gauge published");
            maxWaiting = Math.max(maxWaiting, Double.parseDouble(m.group(1)));
        }
        assertEquals(2.0, maxWaiting, "deliveries seen waiting");
        for (int i = 0; i < 4; i++) {
            assertEquals(0, statuses.get(i).get(10, TimeUnit.SECONDS), "MO " + i + " accepted, not ESME_RX_T_APPN");
        }
        Set<String> texts = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            DeliverSm d = slow.delivered.poll(5, TimeUnit.SECONDS);
            assertNotNull(d, "delivery " + i);
            texts.add(new String(d.getShortMessage(), StandardCharsets.ISO_8859_1));
        }
        assertEquals(Set.of("burst 0", "burst 1", "burst 2", "burst 3"), texts);
        String after = http.send(scrape, HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(after.contains("smppgw_esme_deliveries_waiting{account=\"slowrx\"} 0.0"), "none waiting afterwards");
    }

    private static byte[] bindReceiver(int sequence, String systemId, String password) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes((systemId + "\0" + password + "\0" + "\0").getBytes(StandardCharsets.US_ASCII));
        body.writeBytes(new byte[] {0x34, 0, 0, 0});
        ByteBuffer pdu = ByteBuffer.allocate(16 + body.size());
        pdu.putInt(16 + body.size())
                .putInt(0x00000001)
                .putInt(0)
                .putInt(sequence)
                .put(body.toByteArray());
        return pdu.array();
    }

    @Test
    void unknownCommandGetsGenericNackAndTheConnectionStays() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", gateway.smppPort())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(HexFormat.of().parseHex("00000010" + "000000FF" + "00000000" + "00000007"));
            out.write(HexFormat.of().parseHex("00000010" + "00000015" + "00000000" + "00000008"));
            DataInputStream in = new DataInputStream(socket.getInputStream());
            assertEquals(16, in.readInt());
            assertEquals(0x80000000, in.readInt(), "generic_nack");
            assertEquals(0x03, in.readInt(), "ESME_RINVCMDID");
            assertEquals(7, in.readInt());
            assertEquals(16, in.readInt());
            assertEquals(0x80000015, in.readInt(), "enquire_link_resp: connection still served");
        }
    }

    @Test
    void oversizedCommandLengthClosesTheConnection() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", gateway.smppPort())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(HexFormat.of().parseHex("7FFFFFFF" + "00000004" + "00000000" + "00000001"));
            assertEquals(-1, socket.getInputStream().read(), "gateway closed the connection");
        }
    }

    @Test
    void healthAndReadinessAnswerOverHttp() throws Exception {
        var client = HttpClient.newHttpClient();
        var ready = client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + "/ready"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ready.statusCode(), ready.body());
        var metrics = client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + "/metrics"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(metrics.body().contains("smppgw_upstream_binds_bound{upstream=\"sim\"}"), metrics.body());
        assertFalse(metrics.body().isEmpty());
    }
}
