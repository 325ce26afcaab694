package io.optoutgw.smpp;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.GenericNack;
import io.netty.channel.ChannelHandlerContext;
import io.optoutgw.codec.PduDecodeFailure;
import io.optoutgw.codec.Pdus;

/**
 * How every side answers a frame it could not decode (SMPP 3.4 section 4.3): an undecodable
 * request gets generic_nack with its sequence number, ESME_RINVCMDID for an unknown command and
 * ESME_RINVMSGLEN for a body that does not match its command; an undecodable response is never
 * answered. The connection stays open either way.
 */
public final class DecodeFailures {

    private DecodeFailures() {}

    /** The generic_nack that answers {@code failure}, or {@code null} when it is a response. */
    public static GenericNack nack(PduDecodeFailure failure) {
        if (failure.isResponse()) {
            return null;
        }
        int status = failure.kind() == PduDecodeFailure.Kind.UNKNOWN_COMMAND
                ? SmppConstants.STATUS_INVCMDID
                : SmppConstants.STATUS_INVMSGLEN;
        return Pdus.genericNack(failure.sequenceNumber(), status);
    }

    /** Writes and flushes the answer to {@code failure}, if it has one. */
    public static void answer(ChannelHandlerContext ctx, PduDecodeFailure failure) {
        GenericNack nack = nack(failure);
        if (nack != null) {
            ctx.writeAndFlush(nack, ctx.voidPromise());
        }
    }
}
