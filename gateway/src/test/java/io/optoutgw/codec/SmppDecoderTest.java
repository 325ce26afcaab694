package io.optoutgw.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.BindTransceiver;
import com.cloudhopper.smpp.pdu.DeliverSm;
import com.cloudhopper.smpp.pdu.EnquireLink;
import com.cloudhopper.smpp.pdu.SubmitSm;
import com.cloudhopper.smpp.type.Address;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Real PDUs (captures from cloudhopper's decoder tests) fed whole and in fragments. */
class SmppDecoderTest {

    static final String BIND_TRANSCEIVER = "00000023000000090000000000039951414c4c5f545700414c4c5f5457000034010200";
    static final String SUBMIT_SM = "00000039000000040000000000004FE80001013430343034000101343439353133363139323000"
            + "000000000001000000084024232125262F3A";
    static final String DELIVER_SM_RECEIPT = "000000BA00000005000000000000000200010134343935313336313932300001013430"
            + "343034000400000000000000006E69643A30303539313133393738207375623A30303120646C7672643A303031207375626D"
            + "697420646174653A3130303231303137333020646F6E6520646174653A3130303231303137333120737461743A44454C4956"
            + "5244206572723A30303020746578743A4024232125262F3A000E0001010006000101001E000833383630316661000427000102";
    static final String ENQUIRE_LINK = "00000010000000150000000000000001";

    private static ByteBuf hex(String hex) {
        return Unpooled.wrappedBuffer(HexFormat.of().parseHex(hex));
    }

    @Test
    void bindTransceiverDecodesWhole() {
        EmbeddedChannel ch = new EmbeddedChannel(new SmppDecoder(4096));
        assertTrue(ch.writeInbound(hex(BIND_TRANSCEIVER)));
        BindTransceiver bind = ch.readInbound();
        assertEquals("ALL_TW", bind.getSystemId());
        assertEquals("ALL_TW", bind.getPassword());
        assertEquals(235857, bind.getSequenceNumber());
        assertEquals((byte) 0x34, bind.getInterfaceVersion());
        assertFalse(ch.finish());
    }

    @Test
    void submitSmDecodesFromOneByteFragments() {
        EmbeddedChannel ch = new EmbeddedChannel(new SmppDecoder(4096));
        byte[] bytes = HexFormat.of().parseHex(SUBMIT_SM);
        for (int i = 0; i < bytes.length - 1; i++) {
            assertFalse(ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {bytes[i]})));
        }
        assertTrue(ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {bytes[bytes.length - 1]})));
        SubmitSm submit = ch.readInbound();
        assertEquals("44951361920", submit.getDestAddress().getAddress());
        assertEquals("40404", submit.getSourceAddress().getAddress());
        assertArrayEquals(HexFormat.of().parseHex("4024232125262F3A"), submit.getShortMessage());
        assertEquals(20456, submit.getSequenceNumber());
        assertFalse(ch.finish());
    }

    @Test
    void twoPdusInOneBufferAndASplitThirdDecodeInOrder() {
        EmbeddedChannel ch = new EmbeddedChannel(new SmppDecoder(4096));
        String receipt = DELIVER_SM_RECEIPT;
        String stream = ENQUIRE_LINK + receipt + SUBMIT_SM;
        int cut = (ENQUIRE_LINK.length() + receipt.length() + 20);
        ch.writeInbound(hex(stream.substring(0, cut)));
        ch.writeInbound(hex(stream.substring(cut)));
        assertInstanceOf(EnquireLink.class, ch.readInbound());
        DeliverSm dlr = ch.readInbound();
        assertEquals(0x04, dlr.getEsmClass());
        assertEquals(
                "38601fa",
                new String(
                        dlr.getOptionalParameter(SmppConstants.TAG_RECEIPTED_MSG_ID)
                                .getValue(),
                        0,
                        7,
                        StandardCharsets.US_ASCII));
        assertInstanceOf(SubmitSm.class, ch.readInbound());
        assertNull(ch.readInbound());
        assertFalse(ch.finish());
    }

    @Test
    void unknownCommandIdYieldsFailureWithSequenceNumberAndKeepsDecoding() {
        EmbeddedChannel ch = new EmbeddedChannel(new SmppDecoder(4096));
        ch.writeInbound(hex("00000010" + "000000FF" + "00000000" + "0000002A" + ENQUIRE_LINK));
        PduDecodeFailure failure = ch.readInbound();
        assertEquals(PduDecodeFailure.Kind.UNKNOWN_COMMAND, failure.kind());
        assertEquals(42, failure.sequenceNumber());
        assertInstanceOf(EnquireLink.class, ch.readInbound());
        assertTrue(ch.isActive());
        assertFalse(ch.finish());
    }

    @Test
    void shortMessageLongerThanTheFrameIsAMalformedBodyNotACrash() {
        EmbeddedChannel ch = new EmbeddedChannel(new SmppDecoder(4096));
        // sm_length claims 16 octets, the frame holds 8 (a real capture from a carrier)
        ch.writeInbound(hex("00000039000000050000000000000001000101393939393139393134353933000000363436340000"
                + "000000000000080010c1e1e9edf3faf1fc"));
        PduDecodeFailure failure = ch.readInbound();
        assertEquals(PduDecodeFailure.Kind.MALFORMED_BODY, failure.kind());
        assertEquals(1, failure.sequenceNumber());
        assertTrue(ch.isActive());
        assertFalse(ch.finish());
    }

    @Test
    void aSystemIdLongerThanSmppAllowsIsMalformed() {
        EmbeddedChannel ch = new EmbeddedChannel(new SmppDecoder(4096));
        BindTransceiver bind = new BindTransceiver();
        bind.setSystemId("a-system-id-of-twenty");
        bind.setPassword("pw");
        bind.setSequenceNumber(77);
        EmbeddedChannel enc = new EmbeddedChannel(SmppEncoder.INSTANCE);
        enc.writeOutbound(bind);
        ch.writeInbound((ByteBuf) enc.readOutbound());
        PduDecodeFailure failure = ch.readInbound();
        assertEquals(PduDecodeFailure.Kind.MALFORMED_BODY, failure.kind());
        assertEquals(77, failure.sequenceNumber());
        assertTrue(failure.reason().contains("system_id is 21 octets, SMPP allows 15"), failure.reason());
        assertFalse(ch.finish());
    }

    @Test
    void submitMultiRoundTripsWithBothKindsOfDestination() {
        SubmitMulti multi = new SubmitMulti();
        multi.setSourceAddress(new Address((byte) 0, (byte) 0, "12345"));
        multi.setDestinations(List.of(
                SubmitMulti.Destination.sme(new Address((byte) 1, (byte) 1, "15551230001")),
                new SubmitMulti.Destination(null, "friends")));
        multi.setShortMessage("hi".getBytes(StandardCharsets.ISO_8859_1));
        multi.setSequenceNumber(5);
        EmbeddedChannel enc = new EmbeddedChannel(SmppEncoder.INSTANCE);
        enc.writeOutbound(multi);
        EmbeddedChannel dec = new EmbeddedChannel(new SmppDecoder(4096));
        dec.writeInbound((ByteBuf) enc.readOutbound());
        SubmitMulti back = dec.readInbound();
        assertEquals(2, back.getDestinations().size());
        assertEquals("15551230001", back.getDestinations().get(0).address().getAddress());
        assertEquals("friends", back.getDestinations().get(1).distributionList());
        assertEquals("hi", new String(back.getShortMessage(), StandardCharsets.ISO_8859_1));

        SubmitMultiResp resp = back.createResponse();
        resp.setMessageId("m1");
        resp.setUnsuccessful(
                List.of(new SubmitMultiResp.Unsuccess(new Address((byte) 1, (byte) 1, "15551230002"), 0x0B)));
        enc.writeOutbound(resp);
        dec.writeInbound((ByteBuf) enc.readOutbound());
        SubmitMultiResp respBack = dec.readInbound();
        assertEquals("m1", respBack.getMessageId());
        assertEquals(0x0B, respBack.getUnsuccessful().get(0).errorStatus());
        assertFalse(dec.finish());
        assertFalse(enc.finish());
    }

    @Test
    void commandLengthAboveTheMaximumClosesTheConnectionWithoutReadingTheBody() {
        EmbeddedChannel ch = new EmbeddedChannel(new SmppDecoder(4096));
        ByteBuf oversized = hex("7FFFFFFF000000040000000000000001");
        SmppFramingException e = assertThrows(SmppFramingException.class, () -> ch.writeInbound(oversized));
        assertTrue(e.getMessage().contains("2147483647"), e.getMessage());
        assertFalse(ch.isActive());
        assertNull(ch.readInbound());
        assertEquals(0, oversized.refCnt()); // consumed and released, nothing retained
    }

    @Test
    void commandLengthBelowSixteenClosesTheConnection() {
        EmbeddedChannel ch = new EmbeddedChannel(new SmppDecoder(4096));
        assertThrows(SmppFramingException.class, () -> ch.writeInbound(hex("0000000800000015")));
        assertFalse(ch.isActive());
        assertNull(ch.readInbound());
    }

    @Test
    void encoderRoundTripsEveryFixture() {
        for (String fixture : new String[] {BIND_TRANSCEIVER, SUBMIT_SM, DELIVER_SM_RECEIPT, ENQUIRE_LINK}) {
            EmbeddedChannel in = new EmbeddedChannel(new SmppDecoder(4096));
            in.writeInbound(hex(fixture));
            Object pdu = in.readInbound();
            EmbeddedChannel out = new EmbeddedChannel(SmppEncoder.INSTANCE);
            assertTrue(out.writeOutbound(pdu));
            ByteBuf encoded = out.readOutbound();
            assertEquals(fixture.toLowerCase(), ByteBufUtil.hexDump(encoded));
            encoded.release();
            assertFalse(in.finish());
            assertFalse(out.finish());
        }
    }
}
