package io.optoutgw.simulator;

import io.optoutgw.config.SimulatorConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of an {@link SmscSimulator}; {@link #defaults()} gives a simulator on a free port of
 * 127.0.0.1 that accepts any bind and answers immediately.
 *
 * @param host address to listen on
 * @param port TCP port, 0 for a free one
 * @param credentials system_id to password; empty accepts every bind
 * @param responseDelayMin lower bound of the delay before a submit_sm/data_sm response
 * @param responseDelayMax upper bound (inclusive) of that delay; equal to the minimum for a fixed delay
 * @param receiptDelay delay between a submit response and its delivery receipt
 * @param responseTimeout how long a deliver_sm sent by the simulator waits for its response
 * @param receiptsOnAnySession send receipts preferably on a receiver-capable session other than
 *     the one the message was submitted on
 * @param messageIdPrefix prepended to every message id (handy when several simulators run)
 * @param recordLimit how many received messages and deliver_sm outcomes are kept for assertions
 * @param ioThreads event loop threads when the simulator creates its own group
 * @param certificateFile PEM certificate chain: with {@code privateKeyFile}, the simulator speaks
 *     SMPP over TLS (1.2 and 1.3); {@code null} for plain TCP
 * @param privateKeyFile PEM (unencrypted PKCS#8) key of that certificate
 */
public record SimulatorOptions(
        String host,
        int port,
        Map<String, String> credentials,
        Duration responseDelayMin,
        Duration responseDelayMax,
        Duration receiptDelay,
        Duration responseTimeout,
        boolean receiptsOnAnySession,
        String messageIdPrefix,
        int recordLimit,
        int ioThreads,
        Path certificateFile,
        Path privateKeyFile) {

    public SimulatorOptions {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        credentials = credentials == null ? Map.of() : Map.copyOf(credentials);
        responseDelayMin = nonNegative(responseDelayMin, "responseDelayMin");
        responseDelayMax = nonNegative(responseDelayMax, "responseDelayMax");
        if (responseDelayMax.compareTo(responseDelayMin) < 0) {
            throw new IllegalArgumentException("responseDelayMax < responseDelayMin");
        }
        receiptDelay = nonNegative(receiptDelay, "receiptDelay");
        responseTimeout = nonNegative(responseTimeout, "responseTimeout");
        if (responseTimeout.isZero()) {
            throw new IllegalArgumentException("responseTimeout must be positive");
        }
        messageIdPrefix = messageIdPrefix == null ? "" : messageIdPrefix;
        if (recordLimit < 0) {
            throw new IllegalArgumentException("recordLimit must be >= 0");
        }
        if (ioThreads < 1) {
            throw new IllegalArgumentException("ioThreads must be >= 1");
        }
        if ((certificateFile == null) != (privateKeyFile == null)) {
            throw new IllegalArgumentException("certificateFile and privateKeyFile go together");
        }
    }

    /** 127.0.0.1, free port, accept all binds, no delays, 10 s response timeout. */
    public static SimulatorOptions defaults() {
        return builder().build();
    }

    /** Options for the in-process demo simulator described by the gateway configuration. */
    public static SimulatorOptions from(SimulatorConfig config) {
        return builder().host(config.host()).port(config.port()).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        return new Builder()
                .host(host)
                .port(port)
                .credentials(credentials)
                .responseDelay(responseDelayMin, responseDelayMax)
                .receiptDelay(receiptDelay)
                .responseTimeout(responseTimeout)
                .receiptsOnAnySession(receiptsOnAnySession)
                .messageIdPrefix(messageIdPrefix)
                .recordLimit(recordLimit)
                .ioThreads(ioThreads)
                .tls(certificateFile, privateKeyFile);
    }

    /** Passwords are left out on purpose. */
    @Override
    public String toString() {
        return "SimulatorOptions[host=" + host + ", port=" + port
                + ", accounts=" + (credentials.isEmpty() ? "any" : credentials.keySet())
                + ", responseDelay=" + responseDelayMin.toMillis() + ".." + responseDelayMax.toMillis() + "ms"
                + ", receiptDelay=" + receiptDelay.toMillis() + "ms"
                + ", responseTimeout=" + responseTimeout.toMillis() + "ms"
                + ", receiptsOnAnySession=" + receiptsOnAnySession
                + ", tls=" + (tls() ? certificateFile : "off") + "]";
    }

    /** Whether the simulator speaks SMPP over TLS. */
    public boolean tls() {
        return certificateFile != null;
    }

    private static Duration nonNegative(Duration d, String name) {
        Duration value = d == null ? Duration.ZERO : d;
        if (value.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative");
        }
        return value;
    }

    /** Mutable builder for {@link SimulatorOptions}. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port;
        private Map<String, String> credentials = Map.of();
        private Duration responseDelayMin = Duration.ZERO;
        private Duration responseDelayMax = Duration.ZERO;
        private Duration receiptDelay = Duration.ZERO;
        private Duration responseTimeout = Duration.ofSeconds(10);
        private boolean receiptsOnAnySession;
        private String messageIdPrefix = "";
        private int recordLimit = 10_000;
        private int ioThreads = 1;
        private Path certificateFile;
        private Path privateKeyFile;

        private Builder() {}

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder credentials(Map<String, String> credentials) {
            this.credentials = credentials;
            return this;
        }

        /** Fixed delay before each submit_sm/data_sm response. */
        public Builder responseDelay(Duration delay) {
            return responseDelay(delay, delay);
        }

        /** Uniformly random delay in {@code min..max} before each submit_sm/data_sm response. */
        public Builder responseDelay(Duration min, Duration max) {
            this.responseDelayMin = min;
            this.responseDelayMax = max;
            return this;
        }

        public Builder receiptDelay(Duration receiptDelay) {
            this.receiptDelay = receiptDelay;
            return this;
        }

        public Builder responseTimeout(Duration responseTimeout) {
            this.responseTimeout = responseTimeout;
            return this;
        }

        public Builder receiptsOnAnySession(boolean receiptsOnAnySession) {
            this.receiptsOnAnySession = receiptsOnAnySession;
            return this;
        }

        public Builder messageIdPrefix(String messageIdPrefix) {
            this.messageIdPrefix = messageIdPrefix;
            return this;
        }

        public Builder recordLimit(int recordLimit) {
            this.recordLimit = recordLimit;
            return this;
        }

        public Builder ioThreads(int ioThreads) {
            this.ioThreads = ioThreads;
            return this;
        }

        /** SMPP over TLS with this PEM certificate chain and PKCS#8 key; {@code null}s for plain TCP. */
        public Builder tls(Path certificateFile, Path privateKeyFile) {
            this.certificateFile = certificateFile;
            this.privateKeyFile = privateKeyFile;
            return this;
        }

        public SimulatorOptions build() {
            return new SimulatorOptions(
                    host,
                    port,
                    credentials,
                    responseDelayMin,
                    responseDelayMax,
                    receiptDelay,
                    responseTimeout,
                    receiptsOnAnySession,
                    messageIdPrefix,
                    recordLimit,
                    ioThreads,
                    certificateFile,
                    privateKeyFile);
        }
    }
}
