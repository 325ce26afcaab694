package io.optoutgw.smpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.cloudhopper.smpp.SmppConstants;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SmppPipelineTest {

    @Test
    void everyStepIsNamedAndInPipelineOrder() {
        EmbeddedChannel ch = new EmbeddedChannel();
        SmppPipeline.of(ch)
                .consolidateFlushes()
                .readerIdle(Duration.ofSeconds(30))
                .codec(4096)
                .metrics(new ChannelInboundHandlerAdapter())
                .session(new ChannelInboundHandlerAdapter());
        assertEquals(
                List.of(
                        HandlerNames.FLUSH,
                        HandlerNames.IDLE,
                        HandlerNames.DECODER,
                        HandlerNames.ENCODER,
                        HandlerNames.METRICS,
                        HandlerNames.SESSION),
                ch.pipeline().names().subList(0, 6));
        ch.finishAndReleaseAll();
    }

    @Test
    void optionalStepsGivenNullAddNothing() {
        EmbeddedChannel ch = new EmbeddedChannel();
        SmppPipeline.of(ch).tls(null).codec(4096).metrics(null).session(new ChannelInboundHandlerAdapter());
        assertEquals(
                List.of(HandlerNames.DECODER, HandlerNames.ENCODER, HandlerNames.SESSION),
                ch.pipeline().names().subList(0, 3));
        ch.finishAndReleaseAll();
    }

    @Test
    void stepsOutOfOrderOrASessionWithoutCodecAreRefused() {
        EmbeddedChannel ch = new EmbeddedChannel();
        assertThrows(
                IllegalStateException.class,
                () -> SmppPipeline.of(ch).codec(4096).consolidateFlushes());
        assertThrows(
                IllegalStateException.class,
                () -> SmppPipeline.of(new EmbeddedChannel()).session(new ChannelInboundHandlerAdapter()));
        ch.finishAndReleaseAll();
    }

    @Test
    void bindTypeFollowsTheBindCommandBothWays() {
        for (BindType type : BindType.values()) {
            assertEquals(type, BindType.of(type.bindRequest().getCommandId()));
        }
        assertEquals(BindType.RECEIVER, BindType.of(SmppConstants.CMD_ID_BIND_RECEIVER));
        assertThrows(IllegalArgumentException.class, () -> BindType.of(SmppConstants.CMD_ID_SUBMIT_SM));
        assertEquals(
                List.of(false, true, true),
                List.of(
                        BindType.TRANSMITTER.canReceive(),
                        BindType.RECEIVER.canReceive(),
                        BindType.TRANSCEIVER.canReceive()));
        assertEquals(
                List.of(true, false, true),
                List.of(
                        BindType.TRANSMITTER.canTransmit(),
                        BindType.RECEIVER.canTransmit(),
                        BindType.TRANSCEIVER.canTransmit()));
    }
}
