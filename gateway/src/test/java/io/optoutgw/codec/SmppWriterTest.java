package io.optoutgw.codec;

import com.cloudhopper.smpp.pdu.EnquireLink;
import com.cloudhopper.smpp.pdu.Pdu;
import com.cloudhopper.smpp.pdu.SubmitSm;
import com.cloudhopper.smpp.pdu.SubmitSmResp;
import com.cloudhopper.smpp.type.Address;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One buffer per consolidated flush, PDUs in order and intact, promises kept. Writes go through
 * the pipeline: EmbeddedChannel's own write and flush methods would run the deferred flush at once.
 */
class SmppWriterTest {

    private static SubmitSm submit(int seq, String text) throws Exception {
        SubmitSm sm = new SubmitSm();
        sm.setSequenceNumber(seq);
        sm.setSourceAddress(new Address((byte) 1, (byte) 1, "12345"));
        sm.setDestAddress(new Address((byte) 1, (byte) 1, "15551230000"));
        sm.setShortMessage(text.getBytes(StandardCharsets.ISO_8859_1));
        return sm;
    }

    private static SubmitSmResp resp(int seq) {
        SubmitSmResp r = new SubmitSmResp();
        r.setSequenceNumber(seq);
        r.setMessageId("id" + seq);
        return r;
    }

    /** Decodes every PDU in the buffers written so far (each buffer released). */
    private static List<Pdu> decodeAll(List<ByteBuf> buffers) {
        EmbeddedChannel decoder = new EmbeddedChannel(new SmppDecoder(4096));
        for (ByteBuf b : buffers) {
            decoder.writeInbound(b);
        }
        List<Pdu> out = new ArrayList<>();
        for (Object o; (o = decoder.readInbound()) != null; ) {
            out.add((Pdu) o);
        }
        decoder.finishAndReleaseAll();
        return out;
    }

    /** Nothing more was written; the inbound side (the reads the tests fire) is released. */
    private static void finish(EmbeddedChannel ch) {
        ch.runPendingTasks();
        assertNull(ch.readOutbound(), "nothing else was written");
        ch.finishAndReleaseAll();
    }

    private static List<ByteBuf> written(EmbeddedChannel ch) {
        List<ByteBuf> out = new ArrayList<>();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            out.add((ByteBuf) o);
        }
        return out;
    }

    @Test
    void whileReadingEveryFlushWaitsForTheEndOfTheReadAndAllPdusShareOneBuffer() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(new SmppWriter());
        // a read is in progress: the PDUs the session answers with stay until channelReadComplete
        ch.pipeline().fireChannelRead(Unpooled.EMPTY_BUFFER);
        for (int i = 1; i <= 5; i++) {
            ch.pipeline().writeAndFlush(resp(i), ch.voidPromise());
        }
        assertNull(ch.readOutbound(), "nothing leaves before the read ends");
        ch.pipeline().fireChannelReadComplete();
        List<ByteBuf> out = written(ch);
        assertEquals(1, out.size(), "one buffer for the five responses");
        List<Pdu> pdus = decodeAll(out);
        assertEquals(5, pdus.size());
        for (int i = 0; i < 5; i++) {
            assertEquals(i + 1, pdus.get(i).getSequenceNumber());
            assertEquals("id" + (i + 1), ((SubmitSmResp) pdus.get(i)).getMessageId());
        }
        finish(ch);
    }

    @Test
    void outsideAReadTheFlushHappensAtTheEndOfTheLoopTurn() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(new SmppWriter());
        ch.pipeline().writeAndFlush(submit(7, "first"), ch.voidPromise());
        ch.pipeline().writeAndFlush(submit(8, "second"), ch.voidPromise());
        assertNull(ch.readOutbound(), "the flush is deferred to the end of the turn");
        ch.runPendingTasks();
        List<ByteBuf> out = written(ch);
        assertEquals(1, out.size());
        List<Pdu> pdus = decodeAll(out);
        assertEquals(2, pdus.size());
        assertEquals("second", new String(((SubmitSm) pdus.get(1)).getShortMessage(), StandardCharsets.ISO_8859_1));
        finish(ch);
    }

    @Test
    void everyManyFlushesGoOutAtOnce() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(new SmppWriter());
        ch.pipeline().fireChannelRead(Unpooled.EMPTY_BUFFER);
        for (int i = 1; i <= SmppWriter.EXPLICIT_FLUSH_AFTER; i++) {
            ch.pipeline().writeAndFlush(resp(i), ch.voidPromise());
        }
        List<ByteBuf> out = written(ch);
        assertEquals(1, out.size(), "flushed at the 256th flush although the read goes on");
        assertEquals(SmppWriter.EXPLICIT_FLUSH_AFTER, decodeAll(out).size());
        ch.pipeline().fireChannelReadComplete();
        assertNull(ch.readOutbound());
        finish(ch);
    }

    @Test
    void promisesCompleteWhenTheSharedBufferIsWritten() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(new SmppWriter());
        ChannelFuture a = ch.pipeline().writeAndFlush(resp(1));
        ChannelFuture b = ch.pipeline().writeAndFlush(resp(2));
        assertFalse(a.isDone());
        ch.runPendingTasks();
        assertTrue(a.isSuccess());
        assertTrue(b.isSuccess());
        assertEquals(2, decodeAll(written(ch)).size());
        finish(ch);
    }

    @Test
    void otherMessagesKeepTheirPlaceAfterThePdusWrittenBeforeThem() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(new SmppWriter());
        ch.pipeline().write(resp(1), ch.voidPromise());
        ByteBuf raw = Unpooled.copiedBuffer(new byte[] {1, 2, 3});
        ch.pipeline().write(raw, ch.voidPromise());
        ch.pipeline().flush();
        ch.runPendingTasks();
        List<ByteBuf> out = written(ch);
        assertEquals(2, out.size());
        assertEquals(1, decodeAll(List.of(out.get(0))).size());
        assertEquals(3, out.get(1).readableBytes());
        out.get(1).release();
        finish(ch);
    }

    @Test
    void aPduThatCannotBeEncodedFailsAloneAndTheOthersGoOutIntact() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(new SmppWriter());
        Pdu broken = new EnquireLink() {
            @Override
            public void writeBody(ByteBuf buffer) {
                buffer.writeBytes(new byte[] {9, 9, 9});
                throw new IllegalStateException("cannot encode");
            }
        };
        ChannelFuture before = ch.pipeline().write(resp(1));
        ChannelFuture failed = ch.pipeline().write(broken);
        ChannelFuture after = ch.pipeline().write(resp(2));
        ch.pipeline().flush();
        ch.runPendingTasks();
        assertFalse(failed.isSuccess());
        assertNotNull(failed.cause());
        assertTrue(before.isSuccess());
        assertTrue(after.isSuccess());
        List<Pdu> pdus = decodeAll(written(ch));
        assertEquals(2, pdus.size(), "the partial bytes of the broken PDU were taken back");
        assertEquals(2, pdus.get(1).getSequenceNumber());
        finish(ch);
    }

    @Test
    void closingWritesWhatWasFlushedAndReleasesWhatWasNot() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(new SmppWriter());
        ch.pipeline().writeAndFlush(resp(1), ch.voidPromise());
        ch.close();
        List<ByteBuf> out = written(ch);
        assertEquals(1, decodeAll(out).size(), "a flushed PDU still leaves when the channel closes");

        EmbeddedChannel unflushed = new EmbeddedChannel(new SmppWriter());
        ChannelFuture never = unflushed.pipeline().write(resp(2));
        unflushed.close();
        assertTrue(never.isDone());
        assertFalse(never.isSuccess(), "a PDU written but never flushed fails when the channel goes");
        finish(unflushed);
    }
}
