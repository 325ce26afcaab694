package io.optoutgw.app;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.BindTransceiver;
import com.cloudhopper.smpp.pdu.DeliverSm;
import com.cloudhopper.smpp.pdu.PduRequest;
import com.cloudhopper.smpp.pdu.PduResponse;
import com.cloudhopper.smpp.pdu.SubmitSm;
import com.cloudhopper.smpp.pdu.SubmitSmResp;
import com.cloudhopper.smpp.pdu.Unbind;
import com.cloudhopper.smpp.type.Address;
import io.optoutgw.codec.Pdus;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gateway send}: binds to a gateway as an ESME, submits one message and prints the answer
 * and the delivery receipt. A quick way to see traffic flow, or to check that a number is refused.
 */
@Command(
        name = "send",
        mixinStandardHelpOptions = true,
        description = "Bind as an ESME, submit one message, print the response and the receipt.")
final class SendCommand implements Callable<Integer> {

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Gateway host (default ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--port", defaultValue = "2775", description = "Gateway SMPP port (default ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--system-id", defaultValue = "demo", description = "Account (default ${DEFAULT-VALUE})")
    String systemId;

    @Option(
            names = "--password",
            defaultValue = "${env:GATEWAY_SEND_PASSWORD:-demo-pw}",
            description = "Password (env GATEWAY_SEND_PASSWORD; default: the demo account's)")
    String password;

    @Option(names = "--from", defaultValue = "12345", description = "Source address (default ${DEFAULT-VALUE})")
    String from;

    @Option(names = "--to", required = true, description = "Destination number, e.g. +15551234567")
    String to;

    @Option(
            names = "--text",
            defaultValue = "Hello from the SMPP opt-out gateway",
            description = "Message text (GSM 7-bit characters)")
    String text;

    @Option(names = "--wait-receipt", defaultValue = "5", description = "Seconds to wait for the receipt (0: don't)")
    int waitSeconds;

    @Override
    public Integer call() throws Exception {
        try (BlockingEsme esme = new BlockingEsme(host, port, 10_000)) {
            BindTransceiver bind = new BindTransceiver();
            bind.setSystemId(systemId);
            bind.setPassword(password);
            bind.setInterfaceVersion((byte) 0x34);
            PduResponse bound = esme.call(bind);
            if (bound.getCommandStatus() != SmppConstants.STATUS_OK) {
                System.err.println("bind refused: " + Pdus.status(bound.getCommandStatus()));
                return 1;
            }
            SubmitSm submit = new SubmitSm();
            submit.setSourceAddress(new Address((byte) 0, (byte) 1, from));
            boolean international = to.startsWith("+");
            submit.setDestAddress(
                    new Address((byte) (international ? 1 : 0), (byte) 1, international ? to.substring(1) : to));
            submit.setRegisteredDelivery((byte) (waitSeconds > 0 ? 1 : 0));
            submit.setShortMessage(text.getBytes(StandardCharsets.ISO_8859_1));
            PduResponse resp = esme.call(submit);
            int status = resp.getCommandStatus();
            if (status != SmppConstants.STATUS_OK) {
                System.out.println("submit_sm refused: " + Pdus.status(status) + describe(status));
            } else {
                System.out.println("submit_sm accepted, message_id " + ((SubmitSmResp) resp).getMessageId());
                if (waitSeconds > 0) {
                    printReceipt(esme);
                }
            }
            esme.call(new Unbind());
            return status == SmppConstants.STATUS_OK ? 0 : 1;
        } catch (IOException e) {
            System.err.println("cannot talk to " + host + ":" + port + ": " + e.getMessage());
            return 3;
        }
    }

    private void printReceipt(BlockingEsme esme) throws IOException {
        long deadline = System.nanoTime() + waitSeconds * 1_000_000_000L;
        try {
            while (System.nanoTime() < deadline) {
                PduRequest<?> r = esme.awaitRequest();
                if (r instanceof DeliverSm dlr && (dlr.getEsmClass() & 0x3C) == 0x04) {
                    System.out.println("receipt: " + new String(dlr.getShortMessage(), StandardCharsets.ISO_8859_1));
                    return;
                }
            }
        } catch (SocketTimeoutException e) {
            // fall through
        }
        System.out.println("no receipt within " + waitSeconds + " s");
    }

    private static String describe(int status) {
        return switch (status) {
            case 0x0B -> " (ESME_RINVDSTADR: destination refused; an opted-out number is refused this way by default)";
            case 0x0A -> " (ESME_RINVSRCADR: this account may not send from that source address)";
            case 0x58 -> " (ESME_RTHROTTLED: try again later)";
            default -> "";
        };
    }
}
