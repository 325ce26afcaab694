package io.optoutgw.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.BindTransceiver;
import com.cloudhopper.smpp.pdu.DataSm;
import com.cloudhopper.smpp.pdu.EnquireLink;
import com.cloudhopper.smpp.pdu.Pdu;
import com.cloudhopper.smpp.tlv.Tlv;
import com.cloudhopper.smpp.type.Address;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.optoutgw.codec.ReplaceSm;
import io.optoutgw.testsupport.RawSmpp;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Protocol corners exercised with hand-built PDUs (things jSMPP does not send). */
@Tag("integration")
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SmscSimulatorRawProtocolTest {

    private SmscSimulator sim;

    @AfterEach
    void tearDown() {
        if (sim != null) {
            sim.close();
        }
    }

    @Test
    void dataSmIsAnsweredWithMessageIdAndReceiptQuotingThePayload() throws Exception {
        sim = new SmscSimulator(SimulatorOptions.defaults()).start();
        try (RawSmpp esme = boundTransceiver()) {
            DataSm dataSm = new DataSm();
            dataSm.setSourceAddress(new Address((byte) 1, (byte) 1, "4915112345678"));
            dataSm.setDestAddress(new Address((byte) 1, (byte) 1, "4917000000001"));
            dataSm.setRegisteredDelivery((byte) 0x01);
            dataSm.addOptionalParameter(new Tlv(
                    SmppConstants.TAG_MESSAGE_PAYLOAD,
                    "payload text longer than twenty".getBytes(StandardCharsets.ISO_8859_1)));
            dataSm.setSequenceNumber(2);
            esme.send(dataSm);

            RawSmpp.Frame resp = esme.read();
            assertEquals(SmppConstants.CMD_ID_DATA_SM_RESP, resp.commandId());
            assertEquals(SmppConstants.STATUS_OK, resp.status());
            assertEquals(2, resp.sequence());
            String messageId = new String(resp.body(), 0, resp.body().length - 1, StandardCharsets.ISO_8859_1);
            assertFalse(messageId.isEmpty());

            RawSmpp.Frame receipt = esme.read();
            assertEquals(SmppConstants.CMD_ID_DELIVER_SM, receipt.commandId());
            String body = new String(receipt.body(), StandardCharsets.ISO_8859_1);
            assertTrue(body.contains("id:" + messageId + " "), body);
            assertTrue(body.contains("text:payload text longer"), body);
            assertEquals(
                    "4917000000001",
                    sim.receivedMessages().get(0).pdu().getDestAddress().getAddress());
        }
    }

    @Test
    void replaceSmIsAnsweredOk() throws Exception {
        sim = new SmscSimulator(SimulatorOptions.defaults()).start();
        try (RawSmpp esme = boundTransceiver()) {
            ReplaceSm replace = new ReplaceSm();
            replace.setMessageId("1a");
            replace.setSourceAddress(new Address((byte) 0, (byte) 0, "12345"));
            replace.setShortMessage("new text".getBytes(StandardCharsets.ISO_8859_1));
            replace.setSequenceNumber(5);
            esme.send(replace);

            RawSmpp.Frame resp = esme.read();

            assertEquals(SmppConstants.CMD_ID_REPLACE_SM_RESP, resp.commandId());
            assertEquals(SmppConstants.STATUS_OK, resp.status());
            assertEquals(5, resp.sequence());
        }
    }

    @Test
    void enquireLinkIsAnsweredUnlessSilent() throws Exception {
        sim = new SmscSimulator(SimulatorOptions.defaults()).start();
        try (RawSmpp esme = boundTransceiver()) {
            esme.send(withSequence(new EnquireLink(), 10));
            assertEquals(SmppConstants.CMD_ID_ENQUIRE_LINK_RESP, esme.read().commandId());

            sim.setSilent(true);
            esme.send(withSequence(new EnquireLink(), 11));
            esme.setReadTimeout(Duration.ofMillis(300));
            assertThrows(SocketTimeoutException.class, esme::read);
        }
    }

    @Test
    void closeLeavesACallerSuppliedEventLoopGroupRunning() {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            SmscSimulator shared = new SmscSimulator(SimulatorOptions.defaults(), group).start();
            assertTrue(shared.port() > 0);

            shared.close();

            assertFalse(group.isShuttingDown());
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
        }
    }

    @Test
    void commandLineOptionsAreParsed() {
        SimulatorOptions defaults = SmscSimulatorMain.parse(new String[0]);
        assertEquals(2776, defaults.port());
        assertEquals("127.0.0.1", defaults.host());

        SimulatorOptions parsed =
                SmscSimulatorMain.parse(new String[] {"--host", "0.0.0.0", "--port", "3000", "--delay-ms", "25"});
        assertEquals("0.0.0.0", parsed.host());
        assertEquals(3000, parsed.port());
        assertEquals(Duration.ofMillis(25), parsed.responseDelayMin());
        assertEquals(Duration.ofMillis(25), parsed.responseDelayMax());
        assertThrows(IllegalArgumentException.class, () -> SmscSimulatorMain.parse(new String[] {"--port"}));
        assertThrows(IllegalArgumentException.class, () -> SmscSimulatorMain.parse(new String[] {"--bogus", "1"}));
    }

    @Test
    void optionsToStringDoesNotRevealPasswords() {
        SimulatorOptions options = SimulatorOptions.builder()
                .credentials(Map.of("acme", "s3cr3t-value"))
                .build();

        assertFalse(options.toString().contains("s3cr3t-value"));
        assertTrue(options.toString().contains("acme"));
    }

    private RawSmpp boundTransceiver() throws IOException {
        RawSmpp esme = RawSmpp.connect(sim.port());
        BindTransceiver bind = new BindTransceiver();
        bind.setSystemId("raw");
        bind.setPassword("pw");
        esme.send(withSequence(bind, 1));
        RawSmpp.Frame resp = esme.read();
        assertEquals(SmppConstants.CMD_ID_BIND_TRANSCEIVER_RESP, resp.commandId());
        assertEquals(SmppConstants.STATUS_OK, resp.status());
        assertEquals("smsc-sim", new String(resp.body(), 0, resp.body().length - 1, StandardCharsets.ISO_8859_1));
        return esme;
    }

    private static <P extends Pdu> P withSequence(P pdu, int sequence) {
        pdu.setSequenceNumber(sequence);
        return pdu;
    }
}
