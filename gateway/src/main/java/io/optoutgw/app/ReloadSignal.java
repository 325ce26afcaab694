package io.optoutgw.app;

import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/** {@code kill -HUP PID}: the gateway reloads its configuration file (docs/configuration.md, "Reloading"). */
final class ReloadSignal {

    private static final Logger log = LoggerFactory.getLogger(ReloadSignal.class);
    static final String SIGNAL = "HUP";

    private ReloadSignal() {}

    /**
     * Installs the handler before the gateway starts (the JVM's own SIGHUP action would stop the
     * process at once, without draining anything); a SIGHUP before {@code gateway} holds the
     * started gateway is ignored (logged). False (logged) where the platform has no SIGHUP, or where
     * the process was started with SIGHUP ignored (nohup).
     */
    static boolean install(AtomicReference<Gateway> gateway) {
        try {
            // the handler runs on the JVM's signal thread: hand the reload to the reload thread at once
            SignalHandler before = Signal.handle(new Signal(SIGNAL), sig -> {
                Gateway g = gateway.get();
                if (g == null) {
                    log.info("SIGHUP ignored: the gateway is still starting");
                } else {
                    g.reloadInBackground("SIGHUP");
                }
            });
            if (before == SignalHandler.SIG_IGN) {
                // the JVM keeps a signal ignored at its start ignored (e.g. started under nohup)
                log.warn("SIGHUP is ignored by this process (started with nohup, or with SIGHUP ignored), so kill -HUP"
                        + " does not reload: reload with 'gateway config reload' or POST /api/config/reload");
                return false;
            }
            return true;
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            log.warn("SIGHUP cannot be handled here ({}): reload with POST /api/config/reload", e.getMessage());
            return false;
        }
    }
}
