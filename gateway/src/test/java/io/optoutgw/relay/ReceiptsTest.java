package io.optoutgw.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.DeliverSm;
import com.cloudhopper.smpp.tlv.Tlv;
import com.cloudhopper.smpp.type.Address;
import io.optoutgw.app.Gateway;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.testsupport.Esmes;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.jsmpp.bean.BindType;
import org.jsmpp.session.SMPPSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What makes a deliver_sm a receipt, and whom a receipt-shaped MO reaches. */
@Tag("integration")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReceiptsTest {

    private static final String RECEIPT_TEXT =
            "id:%s sub:001 dlvrd:001 submit date:2611260900 done date:2611260901 stat:DELIVRD err:000 text:hi";

    private static DeliverSm deliver(int esmClass, String text) throws Exception {
        DeliverSm sm = new DeliverSm();
        sm.setSourceAddress(new Address((byte) 1, (byte) 1, "15557654321"));
        sm.setDestAddress(new Address((byte) 0, (byte) 1, "67890"));
        sm.setEsmClass((byte) esmClass);
        sm.setShortMessage(text.getBytes(StandardCharsets.ISO_8859_1));
        return sm;
    }

    @Test
    void receiptShapedTextWithEsmClassZeroIsAReceiptOnlyWhereTheSmscIsConfiguredSo() throws Exception {
        DeliverSm textOnly = deliver(0, RECEIPT_TEXT.formatted("123"));
        assertFalse(Receipts.isReceipt(textOnly, false), "anyone can text this from a phone");
        assertTrue(Receipts.isReceipt(textOnly, true));
        assertEquals("123", Receipts.messageId(textOnly));
    }

    @Test
    void aReceiptsStateIsReadFromItsTextElseFromItsMessageStateTlv() throws Exception {
        DeliverSm text = deliver(
                0x04, RECEIPT_TEXT.formatted("9").replace("DELIVRD", "UNDELIV").replace("000", "042"));
        assertEquals("UNDELIV", Receipts.stat(text));
        assertEquals("042", Receipts.error(text));
        DeliverSm tlvOnly = deliver(0x04, "");
        tlvOnly.addOptionalParameter(new Tlv(SmppConstants.TAG_MSG_STATE, new byte[] {2}));
        assertEquals("DELIVRD", Receipts.stat(tlvOnly), "message_state 2 = DELIVERED");
        assertNull(Receipts.error(tlvOnly));
        assertNull(Receipts.stat(deliver(0x04, "no state at all")));
    }

    @Test
    void esmClassAndReceiptTlvsMakeAReceiptWhateverTheSetting() throws Exception {
        for (boolean textReceipts : new boolean[] {false, true}) {
            assertTrue(Receipts.isReceipt(deliver(0x04, RECEIPT_TEXT.formatted("1")), textReceipts));
            assertTrue(Receipts.isReceipt(deliver(0x20, "intermediate"), textReceipts));
            DeliverSm tlv = deliver(0, "anything");
            tlv.addOptionalParameter(
                    new Tlv(SmppConstants.TAG_RECEIPTED_MSG_ID, "9a\0".getBytes(StandardCharsets.ISO_8859_1)));
            assertTrue(Receipts.isReceipt(tlv, textReceipts));
            assertEquals("9a", Receipts.messageId(tlv));
            assertFalse(Receipts.isReceipt(deliver(0, "STOP"), textReceipts));
        }
    }

    /**
     * A person texts a receipt-shaped message naming another account's message id to beta's
     * short code: beta gets it as an MO unless the upstream is configured with textReceipts.
     */
    @ParameterizedTest(name = "textReceipts: {0}")
    @ValueSource(booleans = {false, true})
    void receiptShapedMoIsRoutedByMessageIdOnlyWithTextReceipts(boolean textReceipts) throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.start();
                SmscSimulator smsc = new SmscSimulator(SimulatorOptions.defaults()).start()) {
            Gateway g = TestGateways.start("gw-r", redis.uri(), """
                    upstreams:
                      - { name: sim, host: 127.0.0.1, port: %d, systemId: gw, textReceipts: %s }
                    accounts:
                      - { systemId: acme, password: pw, numbers: ["12345"] }
                      - { systemId: beta, password: pw, numbers: ["67890"] }
                    """.formatted(smsc.port(), textReceipts));
            SMPPSession acme = null;
            SMPPSession beta = null;
            try {
                TestGateways.awaitBound(g);
                Esmes.Inbox acmeInbox = new Esmes.Inbox();
                Esmes.Inbox betaInbox = new Esmes.Inbox();
                acme = Esmes.bind(g.smppPort(), BindType.BIND_TRX, "acme", "pw", acmeInbox);
                beta = Esmes.bind(g.smppPort(), BindType.BIND_RX, "beta", "pw", betaInbox);
                String messageId = Esmes.submit(acme, "12345", "15551230001", "hello", false)
                        .getMessageId();

                int status = smsc.injectMo(deliver(0, RECEIPT_TEXT.formatted(messageId)))
                        .get(10, TimeUnit.SECONDS);
                assertEquals(0, status, "delivered to an ESME and acknowledged");
                // the SMSC had its answer, so the ESME that answered already holds the message
                if (textReceipts) {
                    assertNotNull(acmeInbox.delivered.poll(), "routed as acme's receipt");
                    assertNull(betaInbox.delivered.poll());
                } else {
                    assertNotNull(betaInbox.delivered.poll(), "an MO for the short code's owner");
                    assertNull(acmeInbox.delivered.poll(), "not taken for acme's receipt");
                }
            } finally {
                for (SMPPSession s : new SMPPSession[] {acme, beta}) {
                    if (s != null) {
                        s.unbindAndClose();
                    }
                }
                g.close();
            }
        }
    }
}
