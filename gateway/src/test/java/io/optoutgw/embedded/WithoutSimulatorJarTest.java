package io.optoutgw.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.config.ConfigException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The gateway as gateway.jar alone runs it: its classes without io.optoutgw.simulator and without
 * simulator.jar's service entry. The demo configuration is refused at start-up, naming the
 * {@code simulator} key and simulator.jar, before anything is started; with simulator.jar the
 * provider is found.
 */
class WithoutSimulatorJarTest {

    private static final Path DEMO_CONFIG = Path.of("..", "config", "gateway.yaml");

    @Test
    void theSimulatorIsFoundWhereSimulatorJarIsOnTheClassPath() {
        EmbeddedSmscProvider provider = EmbeddedSmscs.provider();
        assertEquals(
                "io.optoutgw.simulator.SimulatorProvider", provider.getClass().getName());
    }

    @Test
    void withoutSimulatorJarTheLookupNamesTheKeyAndTheJar() {
        ClassLoader gatewayJarOnly = new GatewayJarOnly(getClass().getClassLoader());
        assertTrue(EmbeddedSmscs.find(gatewayJarOnly).isEmpty());
        ConfigException e = assertThrows(ConfigException.class, () -> EmbeddedSmscs.provider(gatewayJarOnly));
        assertEquals("simulator", e.key());
        assertTrue(e.getMessage().contains("simulator.enabled: true"), e.getMessage());
        assertTrue(e.getMessage().contains("simulator.jar is not on the class path"), e.getMessage());
    }

    @Test
    void theDemoConfigurationIsRefusedAtStartUpWithoutSimulatorJar() throws Exception {
        assertTrue(
                Files.isRegularFile(DEMO_CONFIG), DEMO_CONFIG.toAbsolutePath().toString());
        GatewayJarOnly gatewayJarOnly = new GatewayJarOnly(getClass().getClassLoader());
        Cli run = gatewayCli(gatewayJarOnly, "run", "--config", DEMO_CONFIG.toString());
        assertEquals(3, run.exit(), run.err());
        // a line of its own (in a JVM shared with the fuzz tests, an agent may print lines before it)
        assertTrue(
                run.err()
                        .lines()
                        .anyMatch(l -> l.startsWith("cannot start: simulator: the built-in SMSC simulator is enabled")),
                run.err());
        assertTrue(run.err().contains("simulator.jar"), run.err());
        // refused before anything started, without the gateway's code asking for a simulator class
        assertEquals(0, gatewayJarOnly.simulatorClassesAsked, "simulator classes asked");
    }

    @Test
    void theStandaloneCommandSaysWhereTheSimulatorIs() throws Exception {
        Cli simulator = gatewayCli(new GatewayJarOnly(getClass().getClassLoader()), "simulator", "--port", "0");
        assertEquals(2, simulator.exit(), simulator.err());
        assertTrue(simulator.err().contains("simulator.jar is not on the class path"), simulator.err());
        assertTrue(simulator.err().contains("java -jar gateway/target/simulator.jar"), simulator.err());
    }

    /** Exit code and standard error of one {@code gateway} command. */
    private record Cli(int exit, String err) {}

    /** Runs {@code GatewayCli} as {@code loader} defines it, with {@code args}; its standard error captured. */
    private static Cli gatewayCli(ClassLoader loader, String... args) throws Exception {
        Class<?> cli = loader.loadClass("io.optoutgw.app.GatewayCli");
        assertFalse(
                cli.getClassLoader() == WithoutSimulatorJarTest.class.getClassLoader(), "GatewayCli from " + loader);
        CommandLine commandLine = (CommandLine) cli.getMethod("commandLine").invoke(null);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int exit = commandLine.execute(args);
            return new Cli(exit, err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(saved);
        }
    }

    @Test
    void theLoaderReallyHidesTheSimulator() {
        GatewayJarOnly gatewayJarOnly = new GatewayJarOnly(getClass().getClassLoader());
        ClassNotFoundException e = assertThrows(
                ClassNotFoundException.class, () -> gatewayJarOnly.loadClass("io.optoutgw.simulator.SmscSimulator"));
        assertInstanceOf(ClassNotFoundException.class, e);
    }

    /**
     * The gateway's own classes defined afresh from the test class path (so their lookups go through
     * this loader), io.optoutgw.simulator refused, and the simulator's service entry hidden; libraries
     * come from the parent.
     */
    static final class GatewayJarOnly extends ClassLoader {

        private static final String SERVICE = "META-INF/services/" + EmbeddedSmscProvider.class.getName();
        private final ClassLoader source;
        volatile int simulatorClassesAsked;

        GatewayJarOnly(ClassLoader source) {
            super(source);
            this.source = source;
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                if (name.startsWith("io.optoutgw.simulator.")) {
                    simulatorClassesAsked++;
                    throw new ClassNotFoundException(name + " (not in gateway.jar)");
                }
                if (!name.startsWith("io.optoutgw.")) {
                    return super.loadClass(name, resolve);
                }
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    c = define(name);
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }

        private Class<?> define(String name) throws ClassNotFoundException {
            try (InputStream in = source.getResourceAsStream(name.replace('.', '/') + ".class")) {
                if (in == null) {
                    throw new ClassNotFoundException(name);
                }
                byte[] bytes = in.readAllBytes();
                return defineClass(name, bytes, 0, bytes.length);
            } catch (IOException e) {
                throw new ClassNotFoundException(name, e);
            }
        }

        @Override
        public URL getResource(String name) {
            return name.equals(SERVICE) ? null : super.getResource(name);
        }

        @Override
        public Enumeration<URL> getResources(String name) throws IOException {
            return name.equals(SERVICE) ? Collections.emptyEnumeration() : super.getResources(name);
        }
    }
}
