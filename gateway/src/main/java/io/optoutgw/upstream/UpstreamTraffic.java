package io.optoutgw.upstream;

import com.cloudhopper.smpp.pdu.PduRequest;

/**
 * Where requests from an SMSC (deliver_sm, data_sm) go (the relay). Called on the bind's event
 * loop; the implementation answers every request exactly once through
 * {@link UpstreamBind#respond(com.cloudhopper.smpp.pdu.PduResponse, int)}.
 */
public interface UpstreamTraffic {

    void fromUpstream(UpstreamBind bind, PduRequest<?> request);
}
