package io.optoutgw.config;

import java.time.Duration;

/**
 * The ESME-facing SMPP listener.
 *
 * @param host             address to listen on
 * @param port             TCP port (0 picks a free one, for tests)
 * @param maxFrameBytes    largest command_length accepted; larger frames close the connection
 * @param bindTimeout      a connection that has not bound by then is closed
 * @param unbindDrainTimeout how long an unbind or shutdown waits for requests in flight
 * @param enquireLinkIdle  an ESME connection silent for this long is probed with enquire_link
 */
public record SmppServerConfig(
        String host,
        int port,
        int maxFrameBytes,
        Duration bindTimeout,
        Duration unbindDrainTimeout,
        Duration enquireLinkIdle) {

    public static final int DEFAULT_PORT = 2775;
    public static final int DEFAULT_MAX_FRAME_BYTES = 4096;

    public SmppServerConfig {
        host = host == null ? "0.0.0.0" : host;
        ConfigChecks.port("smpp.port", port, true);
        maxFrameBytes = maxFrameBytes == 0 ? DEFAULT_MAX_FRAME_BYTES : maxFrameBytes;
        ConfigChecks.range("smpp.maxFrameBytes", maxFrameBytes, 64, 1 << 20);
        bindTimeout = ConfigChecks.positive("smpp.bindTimeout",
                ConfigChecks.orDefault(bindTimeout, Duration.ofSeconds(10)));
        unbindDrainTimeout = ConfigChecks.positive("smpp.unbindDrainTimeout",
                ConfigChecks.orDefault(unbindDrainTimeout, Duration.ofSeconds(5)));
        enquireLinkIdle = ConfigChecks.positive("smpp.enquireLinkIdle",
                ConfigChecks.orDefault(enquireLinkIdle, Duration.ofSeconds(60)));
    }
}
