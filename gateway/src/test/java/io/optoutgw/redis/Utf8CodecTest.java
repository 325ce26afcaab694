package io.optoutgw.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.CommandArgs;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The codec writes exactly the bytes Lettuce's own UTF-8 codec writes, and reads them back. */
class Utf8CodecTest {

    private static final List<String> SAMPLES = List.of(
            "",
            "optout:b:1234",
            "15551234567",
            "Arrêt",
            "退订",
            "stop \uD83D\uDED1 now",
            "lone \uD800 surrogate",
            "ß".repeat(300));

    @Test
    void commandBytesAreThoseOfStringCodec() {
        for (String s : SAMPLES) {
            assertEquals(resp(StringCodec.UTF8, s), resp(Utf8Codec.INSTANCE, s), s);
        }
    }

    @Test
    void nullKeyAndValueEncodeAsEmpty() {
        assertEquals(resp(StringCodec.UTF8, null), resp(Utf8Codec.INSTANCE, null));
    }

    @Test
    void decodesWhatItEncodes() {
        for (String s : SAMPLES) {
            if (s.contains("\uD800 ")) {
                continue; // a lone surrogate has no UTF-8 form; both codecs write '?'
            }
            ByteBuf b = Unpooled.buffer();
            Utf8Codec.INSTANCE.encodeValue(s, b);
            assertEquals(s, Utf8Codec.INSTANCE.decodeValue(b.nioBuffer()));
            assertEquals(s, Utf8Codec.INSTANCE.decodeKey(Utf8Codec.INSTANCE.encodeKey(s)));
        }
    }

    private static String resp(RedisCodec<String, String> codec, String s) {
        ByteBuf b = Unpooled.buffer();
        new CommandArgs<>(codec).addKey(s).addValue(s).add("PX").add(60_000L).encode(b);
        return b.toString(StandardCharsets.ISO_8859_1);
    }
}
