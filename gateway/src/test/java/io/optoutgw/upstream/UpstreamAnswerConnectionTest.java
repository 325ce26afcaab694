package io.optoutgw.upstream;

import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.BindTransceiver;
import com.cloudhopper.smpp.pdu.BindTransceiverResp;
import com.cloudhopper.smpp.pdu.DeliverSm;
import com.cloudhopper.smpp.pdu.DeliverSmResp;
import com.cloudhopper.smpp.type.Address;
import io.optoutgw.app.Gateway;
import io.optoutgw.testsupport.RawSmpp;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An answer to an SMSC request goes out only on the connection the request came on. After a
 * reconnect, the old connection's sequence numbers identify other messages on the new one.
 */
@Tag("integration")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UpstreamAnswerConnectionTest {

    @Test
    void anAnswerForARequestFromAClosedConnectionIsNotSentOnTheNextOne() throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.start();
                ServerSocket smsc = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            smsc.setSoTimeout(10_000);
            Gateway g = TestGateways.start("gw-a", redis.uri(), """
                    upstreams:
                      - name: raw
                        host: 127.0.0.1
                        port: %d
                        systemId: gw
                        reconnectInitialDelay: 50ms
                        reconnectMaxDelay: 200ms
                    accounts:
                      - { systemId: acme, password: pw, numbers: ["12345"] }
                    """.formatted(smsc.getLocalPort()));
            try (RawSmpp conn1 = acceptBind(smsc);
                    RawSmpp esme = RawSmpp.connect(g.smppPort())) {
                awaitBound(g);
                BindTransceiver bind = new BindTransceiver();
                bind.setSystemId("acme");
                bind.setPassword("pw");
                bind.setSequenceNumber(1);
                esme.send(bind);
                assertEquals(
                        SmppConstants.STATUS_OK,
                        esme.readUntil(SmppConstants.CMD_ID_BIND_TRANSCEIVER_RESP)
                                .status());

                conn1.send(mo(7, "first"));
                RawSmpp.Frame first = esme.readUntil(SmppConstants.CMD_ID_DELIVER_SM); // the ESME holds its answer
                conn1.close();
                try (RawSmpp conn2 = acceptBind(smsc)) {
                    conn2.send(mo(8, "second"));
                    RawSmpp.Frame second = esme.readUntil(SmppConstants.CMD_ID_DELIVER_SM);
                    esme.send(answer(first.sequence()), answer(second.sequence())); // in this order

                    List<Integer> answered = new ArrayList<>();
                    int seq;
                    do {
                        seq = conn2.readUntil(SmppConstants.CMD_ID_DELIVER_SM_RESP)
                                .sequence();
                        answered.add(seq);
                    } while (seq != 8);
                    assertEquals(
                            List.of(8),
                            answered,
                            "the answer to conn1's seq 7 must not acknowledge conn2's seq 7 (a different message)");
                }
            } finally {
                g.close();
            }
        }
    }

    /** Accepts the gateway's next connection and answers its bind_transceiver. */
    private static RawSmpp acceptBind(ServerSocket smsc) throws Exception {
        RawSmpp conn = new RawSmpp(smsc.accept());
        RawSmpp.Frame bind = conn.readUntil(SmppConstants.CMD_ID_BIND_TRANSCEIVER);
        BindTransceiverResp resp = new BindTransceiverResp();
        resp.setSystemId("smsc");
        resp.setSequenceNumber(bind.sequence());
        conn.send(resp);
        return conn;
    }

    private static DeliverSm mo(int sequence, String text) throws Exception {
        DeliverSm mo = new DeliverSm();
        mo.setSourceAddress(new Address((byte) 1, (byte) 1, "15551230001"));
        mo.setDestAddress(new Address((byte) 0, (byte) 0, "12345"));
        mo.setShortMessage(text.getBytes(StandardCharsets.ISO_8859_1));
        mo.setSequenceNumber(sequence);
        return mo;
    }

    private static DeliverSmResp answer(int sequence) {
        DeliverSmResp resp = new DeliverSmResp();
        resp.setSequenceNumber(sequence);
        return resp;
    }
}
