package io.optoutgw.redis;

import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.codec.ToByteBufEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.ByteBuffer;

/**
 * UTF-8 strings, written straight into the command's buffer. Lettuce's {@link StringCodec#UTF8}
 * only estimates a string's encoded size, so for every key and value of every command it
 * allocates a pooled temporary buffer, encodes into it and copies it over (about a tenth of the
 * gateway's CPU at saturation). Here the size is exact ({@link ByteBufUtil#utf8Bytes}, one pass
 * over the string), so Lettuce writes the length prefix and the bytes in place. The bytes are
 * the same as {@code StringCodec.UTF8}'s; decoding is {@code StringCodec.UTF8}'s.
 */
public final class Utf8Codec implements RedisCodec<String, String>, ToByteBufEncoder<String, String> {

    public static final Utf8Codec INSTANCE = new Utf8Codec();

    private Utf8Codec() {}

    @Override
    public boolean isEstimateExact() {
        return true;
    }

    @Override
    public int estimateSize(Object keyOrValue) {
        return keyOrValue instanceof CharSequence s ? ByteBufUtil.utf8Bytes(s) : 0;
    }

    @Override
    public void encodeKey(String key, ByteBuf target) {
        if (key != null) {
            ByteBufUtil.writeUtf8(target, key);
        }
    }

    @Override
    public void encodeValue(String value, ByteBuf target) {
        encodeKey(value, target);
    }

    @Override
    public String decodeKey(ByteBuffer bytes) {
        return StringCodec.UTF8.decodeKey(bytes);
    }

    @Override
    public String decodeValue(ByteBuffer bytes) {
        return StringCodec.UTF8.decodeValue(bytes);
    }

    @Override
    public ByteBuffer encodeKey(String key) {
        return StringCodec.UTF8.encodeKey(key);
    }

    @Override
    public ByteBuffer encodeValue(String value) {
        return StringCodec.UTF8.encodeValue(value);
    }
}
