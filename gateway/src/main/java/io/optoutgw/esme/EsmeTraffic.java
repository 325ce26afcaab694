package io.optoutgw.esme;

import com.cloudhopper.smpp.pdu.PduRequest;

/**
 * Where a bound ESME's requests go (the relay). Called on the session's event loop; the
 * implementation must answer every request exactly once through
 * {@link EsmeSession#respond(com.cloudhopper.smpp.pdu.PduResponse, int)}.
 */
public interface EsmeTraffic {

    void fromEsme(EsmeSession session, PduRequest<?> request);
}
