package io.optoutgw.smpp;

import com.cloudhopper.smpp.pdu.EnquireLink;
import com.cloudhopper.smpp.pdu.PduResponse;
import io.netty.channel.Channel;

/**
 * The enquire_link probe both sides send: the gateway to an idle ESME, and the gateway's binds to
 * their SMSC. The probe goes through the connection's {@link RequestWindow} like any request, so
 * its answer is matched by sequence number and an unanswered one expires with the window's sweep.
 * An unanswered probe means the connection is half-open: the caller closes it.
 */
public final class KeepAlive {

    private KeepAlive() {}

    /**
     * Sends enquire_link on {@code channel} (from its event loop), tracked in {@code window}; runs
     * {@code unanswered} when no answer came within {@code timeoutNanos}. A probe may take the
     * window one over its capacity; the caller decides whether that is acceptable.
     */
    public static void probe(Channel channel, RequestWindow window, long timeoutNanos, Runnable unanswered) {
        EnquireLink probe = new EnquireLink();
        int seq = window.nextSequence();
        probe.setSequenceNumber(seq);
        window.add(seq, timeoutNanos, new RequestWindow.Callback() {
            @Override
            public void onResponse(PduResponse response) {}

            @Override
            public void onFailure(RequestWindow.Failure failure) {
                if (failure == RequestWindow.Failure.EXPIRED) {
                    unanswered.run();
                }
            }
        });
        channel.writeAndFlush(probe, channel.voidPromise());
    }
}
