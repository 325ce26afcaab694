package io.optoutgw.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.cloudhopper.smpp.pdu.Pdu;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing (Jazzer) of the frame + PDU decoder with arbitrary bytes, as an ESME or
 * an SMSC could send them. Promises checked for every input:
 * <ul>
 *   <li>the only exception is {@link SmppFramingException}, and the channel is closed after it;</li>
 *   <li>every input buffer is released (no leak, independent of the paranoid leak detector);</li>
 *   <li>every decoded PDU re-encodes, its re-encoding decodes to a PDU again and re-encodes to the
 *       same bytes (the gateway relays what it decoded);</li>
 *   <li>decoding does not depend on how TCP split the stream: whole and fragmented give the same.</li>
 * </ul>
 * The seed corpus (real PDUs of every command the gateway handles) is in
 * {@code src/test/resources/io/optoutgw/codec/SmppDecoderFuzzTestInputs/decodeAnyBytes}; a finding
 * is written there as {@code crash-<sha1>} and from then on runs as a regression input.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SmppDecoderFuzzTest {

    private static final int MAX_FRAME_BYTES = 4096;

    @FuzzTest(maxDuration = "20s")
    void decodeAnyBytes(byte[] data) {
        List<String> whole = decode(data, false);
        List<String> fragmented = decode(data, true);
        assertEquals(whole, fragmented, "decoding depends on how the stream was split");
    }

    /** Decodes {@code data} written in one piece or in varying fragments; describes what came out. */
    private static List<String> decode(byte[] data, boolean fragmented) {
        List<ByteBuf> written = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel(new SmppDecoder(MAX_FRAME_BYTES));
        try {
            int offset = 0;
            int piece = 0;
            while (offset < data.length) {
                int length =
                        fragmented ? Math.min(data.length - offset, 1 + (piece * 7 + data.length) % 23) : data.length;
                piece++;
                ByteBuf buf = PooledByteBufAllocator.DEFAULT.buffer(length);
                buf.writeBytes(data, offset, length);
                written.add(buf);
                offset += length;
                try {
                    ch.writeInbound(buf);
                } catch (SmppFramingException e) {
                    assertFalse(ch.isActive(), "a framing error closes the connection");
                    drain(ch, seen);
                    seen.add("framing error");
                    return seen;
                }
                drain(ch, seen);
            }
            return seen;
        } finally {
            ch.finishAndReleaseAll();
            for (ByteBuf buf : written) {
                assertEquals(0, buf.refCnt(), "input buffer not released by the decoder");
            }
        }
    }

    private static void drain(EmbeddedChannel ch, List<String> seen) {
        Object msg;
        while ((msg = ch.readInbound()) != null) {
            if (msg instanceof PduDecodeFailure failure) {
                // the reason text may name buffer internals (capacities) that differ between the runs
                seen.add("failure " + failure.kind() + " command " + Integer.toHexString(failure.commandId()) + " seq "
                        + failure.sequenceNumber());
            } else {
                seen.add(roundTrip(assertInstanceOf(Pdu.class, msg)));
            }
        }
    }

    /** Encodes, decodes the encoding and encodes again; both encodings must be equal. */
    private static String roundTrip(Pdu pdu) {
        String first = encode(pdu);
        EmbeddedChannel again = new EmbeddedChannel(new SmppDecoder(MAX_FRAME_BYTES));
        ByteBuf bytes = PooledByteBufAllocator.DEFAULT.buffer();
        bytes.writeBytes(ByteBufUtil.decodeHexDump(first));
        try {
            again.writeInbound(bytes);
            Object back = again.readInbound();
            Pdu redecoded = assertInstanceOf(
                    Pdu.class, back, () -> "the encoding of a decoded " + pdu.getName() + " does not decode: " + back);
            assertEquals(first, encode(redecoded), "re-encoding differs for " + pdu.getName());
            assertFalse(again.finishAndReleaseAll(), "one PDU in, one PDU out");
        } finally {
            again.finishAndReleaseAll();
            assertEquals(0, bytes.refCnt(), "re-decoded buffer not released");
        }
        return pdu.getName() + ":" + first;
    }

    private static String encode(Pdu pdu) {
        EmbeddedChannel out = new EmbeddedChannel(SmppEncoder.INSTANCE);
        try {
            out.writeOutbound(pdu);
            ByteBuf encoded = out.readOutbound();
            try {
                return ByteBufUtil.hexDump(encoded);
            } finally {
                encoded.release();
            }
        } finally {
            assertFalse(out.finishAndReleaseAll(), "one PDU in, one buffer out");
        }
    }
}
