package io.optoutgw.config;

import java.time.Duration;

/**
 * One SMSC the gateway binds to as an ESME.
 *
 * @param name                 label used in routes, logs and metrics
 * @param binds                number of sessions (transceivers, or transmitter+receiver pairs)
 * @param bindMode             {@code transceiver} or {@code transmitter_receiver}
 * @param windowSize           requests in flight per session
 * @param enquireLinkInterval  keep-alive period; an enquire_link unanswered within
 *                             {@code responseTimeout} marks the connection half-open and closes it
 * @param reconnectInitialDelay first reconnect delay; doubles per failure up to the maximum, with jitter
 * @param dataCodingZero       what data_coding 0 means in this SMSC's MO: gsm7_unpacked (default),
 *                             gsm7_packed or latin1
 * @param tls                  TLS towards this SMSC; {@link UpstreamTlsConfig#DISABLED} when not configured
 * @param honoursSchedule      whether this SMSC delivers a message at its schedule_delivery_time; only then
 *                             may send-time rules with {@code action: schedule} reschedule a message
 *                             sent to it (otherwise they refuse it)
 * @param textReceipts         whether this SMSC sends delivery receipts as esm_class 0 messages
 *                             recognised only by their text ("id:... stat:..."); default false:
 *                             only esm_class (or the receipt TLVs) makes a receipt, so an MO
 *                             whose text merely looks like one stays an MO
 */
public record UpstreamConfig(
        String name,
        String host,
        int port,
        String systemId,
        String password,
        String systemType,
        int binds,
        BindMode bindMode,
        int windowSize,
        Duration connectTimeout,
        Duration bindTimeout,
        Duration enquireLinkInterval,
        Duration responseTimeout,
        Duration reconnectInitialDelay,
        Duration reconnectMaxDelay,
        DataCodingZero dataCodingZero,
        UpstreamTlsConfig tls,
        boolean textReceipts,
        boolean honoursSchedule) {

    /** How the gateway binds to an SMSC. */
    public enum BindMode {
        TRANSCEIVER,
        TRANSMITTER_RECEIVER
    }

    public UpstreamConfig {
        ConfigChecks.notBlank("upstreams.name", name);
        String k = "upstreams[" + name + "].";
        ConfigChecks.notBlank(k + "host", host);
        ConfigChecks.port(k + "port", port, false);
        ConfigChecks.notBlank(k + "systemId", systemId);
        ConfigChecks.maxLength(k + "systemId", systemId, 15);
        password = password == null ? "" : password;
        ConfigChecks.maxLength(k + "password", password, 8);
        systemType = systemType == null ? "" : systemType;
        ConfigChecks.maxLength(k + "systemType", systemType, 12);
        binds = binds == 0 ? 1 : binds;
        ConfigChecks.range(k + "binds", binds, 1, 256);
        bindMode = bindMode == null ? BindMode.TRANSCEIVER : bindMode;
        windowSize = windowSize == 0 ? 64 : windowSize;
        ConfigChecks.range(k + "windowSize", windowSize, 1, 10_000);
        connectTimeout = ConfigChecks.positive(
                k + "connectTimeout", ConfigChecks.orDefault(connectTimeout, Duration.ofSeconds(5)));
        bindTimeout =
                ConfigChecks.positive(k + "bindTimeout", ConfigChecks.orDefault(bindTimeout, Duration.ofSeconds(10)));
        enquireLinkInterval = ConfigChecks.positive(
                k + "enquireLinkInterval", ConfigChecks.orDefault(enquireLinkInterval, Duration.ofSeconds(30)));
        responseTimeout = ConfigChecks.positive(
                k + "responseTimeout", ConfigChecks.orDefault(responseTimeout, Duration.ofSeconds(10)));
        reconnectInitialDelay = ConfigChecks.positive(
                k + "reconnectInitialDelay", ConfigChecks.orDefault(reconnectInitialDelay, Duration.ofMillis(500)));
        reconnectMaxDelay = ConfigChecks.positive(
                k + "reconnectMaxDelay", ConfigChecks.orDefault(reconnectMaxDelay, Duration.ofSeconds(60)));
        dataCodingZero = dataCodingZero == null ? DataCodingZero.GSM7_UNPACKED : dataCodingZero;
        tls = tls == null ? UpstreamTlsConfig.DISABLED : tls;
        tls.check(k + "tls.");
    }
}
