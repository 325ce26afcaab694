package io.optoutgw.config;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Validation helpers used by the config records' compact constructors. */
final class ConfigChecks {

    private ConfigChecks() {}

    static <T> T present(String key, T value) {
        if (value == null) {
            throw new ConfigException(key, "required setting is missing");
        }
        return value;
    }

    static String notBlank(String key, String value) {
        if (value == null || value.isBlank()) {
            throw new ConfigException(key, "required setting is missing");
        }
        return value;
    }

    static <T> List<T> nonEmpty(String key, List<T> value) {
        if (value == null || value.isEmpty()) {
            throw new ConfigException(key, "at least one entry is required");
        }
        return List.copyOf(value);
    }

    static <T> List<T> orEmpty(List<T> value) {
        return value == null ? List.of() : List.copyOf(value);
    }

    static int port(String key, int value, boolean zeroAllowed) {
        if (value < (zeroAllowed ? 0 : 1) || value > 65535) {
            throw new ConfigException(key, "must be " + (zeroAllowed ? "0" : "1") + "..65535, got " + value);
        }
        return value;
    }

    static int range(String key, int value, int min, int max) {
        if (value < min || value > max) {
            throw new ConfigException(key, "must be " + min + ".." + max + ", got " + value);
        }
        return value;
    }

    static Duration positive(String key, Duration value) {
        present(key, value);
        if (value.isNegative() || value.isZero()) {
            throw new ConfigException(key, "must be a positive duration, got " + value);
        }
        return value;
    }

    /** The file must exist, be a regular file and be readable by this process. */
    static String readableFile(String key, String path) {
        notBlank(key, path);
        Path file;
        try {
            file = Path.of(path);
        } catch (InvalidPathException e) {
            throw new ConfigException(key, "not a valid file path: " + path);
        }
        if (!Files.exists(file)) {
            throw new ConfigException(key, "no such file: " + path);
        }
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(key, "not a regular file: " + path);
        }
        if (!Files.isReadable(file)) {
            throw new ConfigException(key, "cannot read " + path + ": permission denied");
        }
        return path;
    }

    static Duration orDefault(Duration value, Duration fallback) {
        return value == null ? fallback : value;
    }

    static void maxLength(String key, String value, int maxOctets) {
        if (value != null && value.length() > maxOctets) {
            throw new ConfigException(key, "at most " + maxOctets + " characters (SMPP limit), got " + value.length());
        }
    }

    static void unique(String key, List<String> names) {
        Set<String> seen = new HashSet<>();
        for (String n : names) {
            if (!seen.add(n)) {
                throw new ConfigException(key, "'" + n + "' appears more than once");
            }
        }
    }
}
