package io.optoutgw.config;

import java.time.Duration;

/**
 * Request relaying between ESMEs and upstream SMSCs.
 *
 * @param requestTimeout  a relayed request not answered by its peer within this time expires:
 *                        the origin gets {@link #expiredStatus} (ESME side) or ESME_RX_T_APPN
 *                        (SMSC side), and a late response is dropped
 * @param expiredStatus   command_status sent to an ESME whose request expired or whose upstream
 *                        connection dropped before answering (default ESME_RSYSERR 0x08)
 * @param noRouteStatus   command_status sent to an ESME when no upstream bind can take its
 *                        request (default ESME_RTHROTTLED 0x58: retry later)
 */
public record RelayConfig(Duration requestTimeout, Integer expiredStatus, Integer noRouteStatus) {

    public RelayConfig {
        requestTimeout = ConfigChecks.positive(
                "relay.requestTimeout", ConfigChecks.orDefault(requestTimeout, Duration.ofSeconds(30)));
        expiredStatus = expiredStatus == null ? 0x08 : expiredStatus;
        noRouteStatus = noRouteStatus == null ? 0x58 : noRouteStatus;
    }
}
