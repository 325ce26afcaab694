package io.optoutgw.app;

import io.optoutgw.suppression.NumberKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The partner export's hash (docs/privacy.md, "Partner export"): lower-case hex HMAC-SHA-256 under the
 * partner's key of the number in E.164 with its {@code +} ({@code +12025550123}, UTF-8, no newline). The key
 * is the content of the key file or variable with trailing white space removed, as bytes; at least
 * {@value NumberKeys#MIN_PEPPER_BYTES} of them. Reproduced by
 * {@code printf '%s' '+12025550123' | openssl dgst -sha256 -hmac "$(cat partner.key)"}.
 */
final class PartnerHash {

    private final byte[] key;

    private PartnerHash(byte[] key) {
        this.key = key;
    }

    static PartnerHash of(byte[] key) {
        return new PartnerHash(key.clone());
    }

    /** The key from {@code --partner-key FILE} or {@code --partner-key-env VAR} (exactly one). */
    static PartnerHash load(Path file, String env) throws CliFailure {
        if ((file == null) == (env == null)) {
            throw new CliFailure(
                    CliFailure.REFUSED,
                    "--hashed needs the partner's key: --partner-key FILE or --partner-key-env VAR");
        }
        String value;
        String from;
        if (file != null) {
            from = "--partner-key " + file;
            try {
                value = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new CliFailure(CliFailure.REFUSED, from + ": cannot read it: " + e.getMessage());
            }
        } else {
            from = "--partner-key-env " + env;
            value = System.getenv(env);
            if (value == null) {
                throw new CliFailure(CliFailure.REFUSED, from + ": the variable is not set");
            }
        }
        byte[] key = value.strip().getBytes(StandardCharsets.UTF_8);
        if (key.length < NumberKeys.MIN_PEPPER_BYTES) {
            throw new CliFailure(
                    CliFailure.REFUSED,
                    from + ": the key is " + key.length + " bytes, at least " + NumberKeys.MIN_PEPPER_BYTES
                            + " are needed (e.g. openssl rand -hex 32)");
        }
        return new PartnerHash(key);
    }

    /** The hash of {@code e164} ({@code +} and digits). */
    String of(String e164) {
        return NumberKeys.hmacHex(key, e164);
    }
}
