package io.optoutgw.loadtest.bench;

import com.cloudhopper.smpp.pdu.DeliverSm;
import com.cloudhopper.smpp.type.Address;
import io.optoutgw.config.DataCodingZero;
import io.optoutgw.config.MatchMode;
import io.optoutgw.optout.KeywordEngine;
import io.optoutgw.optout.TextDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Keyword scan of an MO (EXACT and PHRASE) and GSM-7 text decoding of a 160-character deliver_sm. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
@State(Scope.Thread)
public class KeywordBench {

    @Param({"STOP", "Please stop texting me", "LONG160"})
    public String text;

    private String message;
    private KeywordEngine exact;
    private KeywordEngine phrase;
    private TextDecoder decoder;
    private DeliverSm deliver;

    static final String LONG = "Hi, thanks for the reminder about tomorrow. I will be there at 5 but might be a "
            + "few minutes late because of the traffic on the bridge, save me a seat near the door";

    @Setup
    public void setup() throws Exception {
        message = text.equals("LONG160") ? LONG.substring(0, 160) : text;
        exact = KeywordEngine.defaults(MatchMode.EXACT);
        phrase = KeywordEngine.defaults(MatchMode.PHRASE);
        decoder = new TextDecoder(DataCodingZero.GSM7_UNPACKED);
        deliver = new DeliverSm();
        deliver.setSourceAddress(new Address((byte) 1, (byte) 1, "12125551234"));
        deliver.setDestAddress(new Address((byte) 3, (byte) 0, "12345"));
        deliver.setShortMessage(message.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Benchmark
    public Object matchExact() {
        return exact.match(message);
    }

    @Benchmark
    public Object matchPhrase() {
        return phrase.match(message);
    }

    @Benchmark
    public Object decodeGsm7() {
        return decoder.decode(deliver);
    }
}
