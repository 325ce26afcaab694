package io.optoutgw.config;

import io.optoutgw.suppression.NumberKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How numbers are stored in Redis (docs/privacy.md). Restart only; fixed for the life of a list: the mode and
 * the pepper are checked against the ones the Redis list was written with at every start.
 *
 * @param mode       {@code clear} (default): the E.164 digits key the list and the audit; {@code hmac}: an
 *                   HMAC-SHA-256 of the digits under the pepper does
 * @param pepperFile a file holding the pepper (its content, trailing white space removed, at least
 *                   {@value NumberKeys#MIN_PEPPER_BYTES} bytes, e.g. {@code openssl rand -hex 32})
 * @param pepperEnv  the environment variable holding the pepper (instead of a file)
 */
public record PrivacyConfig(String mode, String pepperFile, String pepperEnv) {

    public PrivacyConfig {
        mode = mode == null ? "clear" : mode;
        if (!mode.equals("clear") && !mode.equals("hmac")) {
            throw new ConfigException("privacy.mode", "must be clear or hmac, got '" + mode + "'");
        }
        if (pepperFile != null && pepperEnv != null) {
            throw new ConfigException("privacy.pepperFile", "give privacy.pepperFile or privacy.pepperEnv, not both");
        }
        if (mode.equals("hmac")) {
            if (pepperFile == null && pepperEnv == null) {
                throw new ConfigException(
                        "privacy.pepperFile",
                        "privacy.mode hmac needs a pepper: set privacy.pepperFile (a file) or privacy.pepperEnv"
                                + " (an environment variable)");
            }
            pepper(mode, pepperFile, pepperEnv);
        } else if (pepperFile != null) {
            ConfigChecks.readableFile("privacy.pepperFile", pepperFile);
        }
    }

    /** Clear mode. */
    public static PrivacyConfig defaults() {
        return new PrivacyConfig(null, null, null);
    }

    public boolean hashed() {
        return mode.equals("hmac");
    }

    /** The keying of numbers this configuration asks for (reads the pepper). */
    public NumberKeys numberKeys() {
        return hashed() ? NumberKeys.hmac(pepper(mode, pepperFile, pepperEnv)) : NumberKeys.CLEAR;
    }

    private static byte[] pepper(String mode, String pepperFile, String pepperEnv) {
        String key;
        String value;
        if (pepperFile != null) {
            key = "privacy.pepperFile";
            ConfigChecks.readableFile(key, pepperFile);
            try {
                value = Files.readString(Path.of(pepperFile), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new ConfigException(key, "cannot read " + pepperFile + ": " + e.getMessage());
            }
        } else {
            key = "privacy.pepperEnv";
            value = System.getenv(pepperEnv);
            if (value == null) {
                throw new ConfigException(key, "the environment variable " + pepperEnv + " is not set");
            }
        }
        byte[] pepper = value.strip().getBytes(StandardCharsets.UTF_8);
        if (pepper.length < NumberKeys.MIN_PEPPER_BYTES) {
            throw new ConfigException(
                    key,
                    "the pepper is " + pepper.length + " bytes; privacy.mode " + mode + " needs at least "
                            + NumberKeys.MIN_PEPPER_BYTES + " (e.g. openssl rand -hex 32)");
        }
        return pepper;
    }
}
