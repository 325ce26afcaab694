package io.optoutgw.embedded;

import io.optoutgw.config.ConfigException;
import java.util.Iterator;
import java.util.Optional;
import java.util.ServiceLoader;

/** Finds the SMSC simulator of simulator.jar, or says clearly that it is not there. */
public final class EmbeddedSmscs {

    /** What a start-up without simulator.jar prints, after the key. */
    static final String MISSING = "the built-in SMSC simulator is enabled (simulator.enabled: true), but simulator.jar"
            + " is not on the class path. gateway.jar loads it from simulator.jar in its own directory (a build"
            + " tree has both: gateway/target/gateway.jar and gateway/target/simulator.jar); a production install"
            + " carries gateway.jar only. Either put simulator.jar next to gateway.jar, or set simulator.enabled:"
            + " false and configure upstreams";

    private EmbeddedSmscs() {}

    /** The simulator's provider as {@code loader} sees it, if simulator.jar is there. */
    public static Optional<EmbeddedSmscProvider> find(ClassLoader loader) {
        Iterator<EmbeddedSmscProvider> found =
                ServiceLoader.load(EmbeddedSmscProvider.class, loader).iterator();
        return found.hasNext() ? Optional.of(found.next()) : Optional.empty();
    }

    /** The simulator's provider as {@code loader} sees it; a {@link ConfigException} on the {@code simulator} key if absent. */
    public static EmbeddedSmscProvider provider(ClassLoader loader) {
        return find(loader).orElseThrow(() -> new ConfigException("simulator", MISSING));
    }

    /** The simulator's provider as the gateway's own class loader sees it. */
    public static EmbeddedSmscProvider provider() {
        return provider(EmbeddedSmscs.class.getClassLoader());
    }

    /** As {@link #find(ClassLoader)} with the gateway's own class loader. */
    public static Optional<EmbeddedSmscProvider> find() {
        return find(EmbeddedSmscs.class.getClassLoader());
    }
}
