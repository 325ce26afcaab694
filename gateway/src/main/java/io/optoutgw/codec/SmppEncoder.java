package io.optoutgw.codec;

import com.cloudhopper.smpp.pdu.Pdu;
import com.cloudhopper.smpp.transcoder.DefaultPduTranscoderContext;
import com.cloudhopper.smpp.transcoder.PduTranscoderContext;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.MessageToByteEncoder;

/**
 * Encodes cloudhopper {@link Pdu} objects into the channel's pooled buffers (the cloudhopper
 * transcoder would allocate an unpooled buffer per PDU). Stateless, so one instance serves all
 * channels.
 */
@Sharable
public final class SmppEncoder extends MessageToByteEncoder<Pdu> {

    public static final SmppEncoder INSTANCE = new SmppEncoder();

    private static final PduTranscoderContext CONTEXT = new DefaultPduTranscoderContext();

    private SmppEncoder() {
        super(Pdu.class);
    }

    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, Pdu pdu, boolean preferDirect) {
        pdu.removeCommandLength();
        return ctx.alloc().ioBuffer(pdu.calculateAndSetCommandLength());
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Pdu pdu, ByteBuf out) {
        encodeTo(pdu, out);
    }

    /** Writes {@code pdu} to {@code out}; the command_length is recalculated first. */
    public static void encodeTo(Pdu pdu, ByteBuf out) {
        int start = out.writerIndex();
        pdu.removeCommandLength();
        int length = pdu.calculateAndSetCommandLength();
        out.writeInt(length);
        out.writeInt(pdu.getCommandId());
        out.writeInt(pdu.getCommandStatus());
        out.writeInt(pdu.getSequenceNumber());
        try {
            pdu.writeBody(out);
            pdu.writeOptionalParameters(out, CONTEXT);
        } catch (Exception e) {
            throw new EncoderException("cannot encode " + pdu.getName() + ": " + e.getMessage(), e);
        }
        if (out.writerIndex() - start != length) {
            throw new EncoderException(pdu.getName() + " encoded to " + (out.writerIndex() - start)
                    + " bytes, command_length says " + length);
        }
    }
}
