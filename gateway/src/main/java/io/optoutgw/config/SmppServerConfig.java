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
 * @param maxConnectionsPerIp connections one client address may hold; more are closed at once
 * @param bindRate         binds per second the whole gateway accepts; more get ESME_RTHROTTLED
 * @param maxBindFailures  failed binds from one address, or for one system_id, before a lockout
 * @param bindLockout      how long a lockout lasts (and the window failures are counted in)
 * @param connectRatePerIp new connections per second one client address may open (bursts up to
 *                         one second's worth); more are closed at once, before any PDU is read
 * @param preBindPduLimit  PDUs a connection may send before its bind succeeds (enquire_link,
 *                         binds, anything else); the next one closes the connection
 * @param tls              the optional SMPP-over-TLS listener; {@code null} when there is none
 */
public record SmppServerConfig(
        String host,
        int port,
        int maxFrameBytes,
        Duration bindTimeout,
        Duration unbindDrainTimeout,
        Duration enquireLinkIdle,
        Integer maxConnectionsPerIp,
        Integer bindRate,
        Integer maxBindFailures,
        Duration bindLockout,
        Integer connectRatePerIp,
        Integer preBindPduLimit,
        SmppTlsConfig tls) {

    public static final int DEFAULT_PORT = 2775;
    public static final int DEFAULT_MAX_FRAME_BYTES = 4096;
    public static final int DEFAULT_CONNECT_RATE_PER_IP = 100;
    public static final int DEFAULT_PRE_BIND_PDU_LIMIT = 20;

    public SmppServerConfig {
        host = host == null ? "0.0.0.0" : host;
        ConfigChecks.port("smpp.port", port, true);
        maxFrameBytes = maxFrameBytes == 0 ? DEFAULT_MAX_FRAME_BYTES : maxFrameBytes;
        ConfigChecks.range("smpp.maxFrameBytes", maxFrameBytes, 64, 1 << 20);
        bindTimeout =
                ConfigChecks.positive("smpp.bindTimeout", ConfigChecks.orDefault(bindTimeout, Duration.ofSeconds(10)));
        unbindDrainTimeout = ConfigChecks.positive(
                "smpp.unbindDrainTimeout", ConfigChecks.orDefault(unbindDrainTimeout, Duration.ofSeconds(5)));
        enquireLinkIdle = ConfigChecks.positive(
                "smpp.enquireLinkIdle", ConfigChecks.orDefault(enquireLinkIdle, Duration.ofSeconds(60)));
        maxConnectionsPerIp = ConfigChecks.range(
                "smpp.maxConnectionsPerIp", maxConnectionsPerIp == null ? 100 : maxConnectionsPerIp, 1, 1_000_000);
        bindRate = ConfigChecks.range("smpp.bindRate", bindRate == null ? 100 : bindRate, 1, 1_000_000);
        maxBindFailures =
                ConfigChecks.range("smpp.maxBindFailures", maxBindFailures == null ? 5 : maxBindFailures, 1, 1_000_000);
        bindLockout =
                ConfigChecks.positive("smpp.bindLockout", ConfigChecks.orDefault(bindLockout, Duration.ofMinutes(5)));
        connectRatePerIp = ConfigChecks.range(
                "smpp.connectRatePerIp",
                connectRatePerIp == null ? DEFAULT_CONNECT_RATE_PER_IP : connectRatePerIp,
                1,
                1_000_000);
        preBindPduLimit = ConfigChecks.range(
                "smpp.preBindPduLimit",
                preBindPduLimit == null ? DEFAULT_PRE_BIND_PDU_LIMIT : preBindPduLimit,
                1,
                1_000_000);
        if (tls != null && tls.port() != 0 && tls.port() == port) {
            throw new ConfigException("smpp.tls.port", "must differ from smpp.port (" + port + ")");
        }
    }
}
