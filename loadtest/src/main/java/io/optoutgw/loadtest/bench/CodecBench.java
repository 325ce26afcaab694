package io.optoutgw.loadtest.bench;

import com.cloudhopper.smpp.pdu.DeliverSm;
import com.cloudhopper.smpp.pdu.SubmitSm;
import com.cloudhopper.smpp.pdu.SubmitSmResp;
import com.cloudhopper.smpp.type.Address;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.optoutgw.codec.SmppDecoder;
import io.optoutgw.codec.SmppEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/** PDU encode/decode through the gateway's codec (SmppEncoder.encodeTo, SmppDecoder in an EmbeddedChannel). */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
@State(Scope.Thread)
public class CodecBench {

    private SubmitSm submit;
    private SubmitSmResp submitResp;
    private ByteBuf submitBytes;
    private ByteBuf deliverBytes;
    private ByteBuf scratch;
    private EmbeddedChannel decoder;

    static SubmitSm submit() throws Exception {
        SubmitSm sm = new SubmitSm();
        sm.setSequenceNumber(12345);
        sm.setSourceAddress(new Address((byte) 3, (byte) 0, "12345"));
        sm.setDestAddress(new Address((byte) 1, (byte) 1, "12125551234"));
        sm.setRegisteredDelivery((byte) 1);
        sm.setShortMessage("x".repeat(160).getBytes(StandardCharsets.ISO_8859_1));
        return sm;
    }

    @Setup(Level.Trial)
    public void setup() throws Exception {
        submit = submit();
        submitResp = submit.createResponse();
        submitResp.setMessageId("5f3a9c01");
        submitBytes = PooledByteBufAllocator.DEFAULT.directBuffer(512);
        SmppEncoder.encodeTo(submit, submitBytes);
        DeliverSm mo = new DeliverSm();
        mo.setSequenceNumber(7);
        mo.setSourceAddress(new Address((byte) 1, (byte) 1, "12125551234"));
        mo.setDestAddress(new Address((byte) 3, (byte) 0, "12345"));
        mo.setShortMessage("STOP".getBytes(StandardCharsets.ISO_8859_1));
        deliverBytes = PooledByteBufAllocator.DEFAULT.directBuffer(256);
        SmppEncoder.encodeTo(mo, deliverBytes);
        scratch = PooledByteBufAllocator.DEFAULT.directBuffer(512);
        decoder = new EmbeddedChannel(new SmppDecoder(4096));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        submitBytes.release();
        deliverBytes.release();
        scratch.release();
        decoder.finishAndReleaseAll();
    }

    @Benchmark
    public int encodeSubmitSm() {
        scratch.clear();
        SmppEncoder.encodeTo(submit, scratch);
        return scratch.writerIndex();
    }

    @Benchmark
    public int encodeSubmitSmResp() {
        scratch.clear();
        SmppEncoder.encodeTo(submitResp, scratch);
        return scratch.writerIndex();
    }

    @Benchmark
    public Object decodeSubmitSm() {
        decoder.writeInbound(submitBytes.retainedDuplicate());
        return decoder.readInbound();
    }

    @Benchmark
    public Object decodeDeliverSm() {
        decoder.writeInbound(deliverBytes.retainedDuplicate());
        return decoder.readInbound();
    }
}
