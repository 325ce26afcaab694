package io.optoutgw.codec;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.Pdu;
import com.cloudhopper.smpp.transcoder.DefaultPduTranscoder;
import com.cloudhopper.smpp.transcoder.DefaultPduTranscoderContext;
import com.cloudhopper.smpp.type.RecoverablePduException;
import com.cloudhopper.smpp.type.UnknownCommandIdException;
import com.cloudhopper.smpp.type.UnrecoverablePduException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Frames and decodes SMPP PDUs (SMPP 3.4 section 3.2: a 16-octet header whose first field is the
 * total command_length) into cloudhopper {@link Pdu} objects.
 *
 * <p>The command_length is checked before anything is allocated: a value outside
 * {@code 16..maxFrameBytes} means the stream can no longer be framed, so the decoder stops
 * reading, discards what it has and closes the connection. A frame whose body cannot be decoded
 * but whose header is intact yields a {@link PduDecodeFailure} so that the session can answer
 * with a generic_nack or an error response carrying the sequence number.
 */
public final class SmppDecoder extends ByteToMessageDecoder {

    /** SMPP header: command_length, command_id, command_status, sequence_number. */
    public static final int HEADER_BYTES = 16;

    private static final DefaultPduTranscoderContext CONTEXT = new DefaultPduTranscoderContext();
    private static final DefaultPduTranscoder TRANSCODER = new DefaultPduTranscoder(CONTEXT);

    private final int maxFrameBytes;
    private boolean failed;

    public SmppDecoder(int maxFrameBytes) {
        if (maxFrameBytes < HEADER_BYTES) {
            throw new IllegalArgumentException("maxFrameBytes must be >= 16: " + maxFrameBytes);
        }
        this.maxFrameBytes = maxFrameBytes;
    }

    /** cloudhopper decodes most commands; the ones its release lacks are decoded here. */
    private static Object decodeFrame(int commandId, ByteBuf frame)
            throws UnrecoverablePduException, RecoverablePduException {
        Pdu own = switch (commandId) {
            case SmppConstants.CMD_ID_REPLACE_SM -> new ReplaceSm();
            case SmppConstants.CMD_ID_REPLACE_SM_RESP -> new ReplaceSmResp();
            case SmppConstants.CMD_ID_SUBMIT_MULTI -> new SubmitMulti();
            case SmppConstants.CMD_ID_SUBMIT_MULTI_RESP -> new SubmitMultiResp();
            default -> null;
        };
        if (own == null) {
            return TRANSCODER.decode(frame);
        }
        own.setCommandLength(frame.readInt());
        frame.skipBytes(4);
        own.setCommandStatus(frame.readInt());
        own.setSequenceNumber(frame.readInt());
        if (own.isRequest() || own.getCommandStatus() == 0 || frame.isReadable()) {
            own.readBody(frame);
            own.readOptionalParameters(frame, CONTEXT);
        }
        return own;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < 4) {
            return;
        }
        int commandLength = in.getInt(in.readerIndex());
        if (commandLength < HEADER_BYTES || commandLength > maxFrameBytes) {
            failed = true;
            in.skipBytes(in.readableBytes());
            ctx.fireExceptionCaught(new SmppFramingException(commandLength, maxFrameBytes));
            ctx.close();
            return;
        }
        if (in.readableBytes() < commandLength) {
            return;
        }
        ByteBuf frame = in.readSlice(commandLength);
        int commandId = frame.getInt(frame.readerIndex() + 4);
        int sequenceNumber = frame.getInt(frame.readerIndex() + 12);
        try {
            Object pdu = decodeFrame(commandId, frame);
            String tooLong = FieldLimits.violation(pdu);
            if (tooLong != null) {
                out.add(new PduDecodeFailure(commandId, sequenceNumber, PduDecodeFailure.Kind.MALFORMED_BODY, tooLong));
                return;
            }
            out.add(pdu);
        } catch (UnknownCommandIdException e) {
            out.add(new PduDecodeFailure(
                    commandId, sequenceNumber, PduDecodeFailure.Kind.UNKNOWN_COMMAND, e.getMessage()));
        } catch (RecoverablePduException | IndexOutOfBoundsException e) {
            out.add(new PduDecodeFailure(
                    commandId, sequenceNumber, PduDecodeFailure.Kind.MALFORMED_BODY, String.valueOf(e.getMessage())));
        } catch (UnrecoverablePduException e) {
            // Header-level problem (e.g. an invalid sequence number): the peer is not speaking SMPP.
            failed = true;
            in.skipBytes(in.readableBytes());
            ctx.fireExceptionCaught(new SmppFramingException(e.getMessage()));
            ctx.close();
        }
    }
}
