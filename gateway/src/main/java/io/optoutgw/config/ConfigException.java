package io.optoutgw.config;

/** A configuration problem, named by its key, e.g. {@code smpp.port: must be 1..65535, got 0}. */
public final class ConfigException extends RuntimeException {

    private final String key;

    public ConfigException(String key, String problem) {
        super(key + ": " + problem);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
