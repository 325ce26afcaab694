package io.optoutgw.redis;

/** Redis could not be reached when the gateway started; the message never contains a password. */
public final class RedisConnectException extends RuntimeException {

    public RedisConnectException(String message, Throwable cause) {
        super(message, cause);
    }
}
