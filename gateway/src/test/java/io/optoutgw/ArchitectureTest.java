package io.optoutgw;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package structure of the gateway's main code: no package cycles, and the direction of
 * every allowed dependency between packages. Lower layers first:
 * <pre>
 *   codec, metrics                      (nothing of the gateway)
 *   smpp -> codec                       (the session core every SMPP side shares)
 *   suppression (+ .journal, .evidence) (nothing of the gateway: the list, the ledger, the keys, the
 *                                        hash chain and its checkpoints)
 *   config                              (suppression: canonical phone and sender forms; smpp: BindType)
 *   transport -> config;  redis -> transport
 *   optout                              (config, suppression, metrics: no SMPP session)
 *   esme, upstream                      (the proxy's two SMPP sides: smpp, codec, transport, config,
 *                                        metrics, suppression; neither knows the other)
 *   relay                               (the routing between the two sides)
 *   feed                                (suppression, metrics, config: the consent event feed from the
 *                                        journal, and its webhooks)
 *   console                             (nothing of the gateway: the web console's static files)
 *   embedded -> config                  (the gateway's interface to the SMSC simulator, found with
 *                                        ServiceLoader)
 *   admin, report, http
 *   simulator                           (shipped in simulator.jar, apart from gateway.jar: it
 *                                        implements embedded; no other package names it)
 *   app                                 (the composition root: nothing depends on it)
 * </pre>
 */
class ArchitectureTest {

    private static final String ROOT = "io.optoutgw";
    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(ROOT);
        // the rules below would pass vacuously on an empty import
        assertTrue(main.size() > 100, "main classes imported: " + main.size());
    }

    @Test
    void packagesAreFreeOfCycles() {
        slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(main);
    }

    @Test
    void codecDependsOnNoOtherGatewayPackage() {
        mayUseOnly("codec").check(main);
    }

    @Test
    void metricsDependsOnNoOtherGatewayPackage() {
        mayUseOnly("metrics").check(main);
    }

    @Test
    void smppSessionCoreSitsOnTheCodecOnly() {
        mayUseOnly("smpp", "codec").check(main);
    }

    @Test
    void suppressionAndItsJournalDependOnNoOtherGatewayPackage() {
        mayUseOnly("suppression").check(main);
    }

    @Test
    void configDependsOnlyOnSuppressionsNumberFormsAndTheBindType() {
        mayUseOnly("config", "suppression", "smpp").check(main);
    }

    @Test
    void transportAndRedisAreInfrastructure() {
        mayUseOnly("transport", "config").check(main);
        mayUseOnly("redis", "transport", "config").check(main);
    }

    @Test
    void optOutKnowsNoSmppSession() {
        mayUseOnly("optout", "config", "suppression", "metrics").check(main);
    }

    @Test
    void theTwoSmppSidesKnowOnlyTheSessionCoreAndInfrastructure() {
        mayUseOnly("esme", "smpp", "codec", "transport", "config", "metrics", "suppression")
                .check(main);
        mayUseOnly("upstream", "smpp", "codec", "transport", "config", "metrics")
                .check(main);
    }

    @Test
    void theEventFeedReadsTheLedgerOnly() {
        mayUseOnly("feed", "suppression", "metrics", "config").check(main);
    }

    @Test
    void simulatorIsIndependentOfTheGatewaysLogic() {
        mayUseOnly("simulator", "smpp", "codec", "transport", "config", "embedded")
                .check(main);
    }

    @Test
    void theSimulatorsInterfaceKnowsOnlyItsConfig() {
        mayUseOnly("embedded", "config").check(main);
    }

    /**
     * gateway.jar is built without the simulator's classes: the gateway reaches them through
     * {@code io.optoutgw.embedded} and ServiceLoader only, never by name.
     */
    @Test
    void nothingOutsideTheSimulatorNamesIt() {
        noClasses()
                .that()
                .resideOutsideOfPackage(ROOT + ".simulator..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage(ROOT + ".simulator..")
                .because("gateway.jar carries no simulator class; use io.optoutgw.embedded.EmbeddedSmscs")
                .check(main);
    }

    @Test
    void webConsoleServesFilesOnly() {
        mayUseOnly("console").check(main);
    }

    @Test
    void nothingDependsOnTheCompositionRoot() {
        noClasses()
                .that()
                .resideOutsideOfPackage(ROOT + ".app..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage(ROOT + ".app..")
                .check(main);
    }

    /** Classes of {@code pkg} (and its subpackages) use no gateway package but their own and {@code allowed}. */
    private static ArchRule mayUseOnly(String pkg, String... allowed) {
        String[] packages = new String[allowed.length + 1];
        packages[0] = ROOT + "." + pkg + "..";
        for (int i = 0; i < allowed.length; i++) {
            packages[i + 1] = ROOT + "." + allowed[i] + "..";
        }
        return classes()
                .that()
                .resideInAPackage(ROOT + "." + pkg + "..")
                .should()
                .onlyDependOnClassesThat(resideOutsideOfPackage(ROOT + "..").or(resideInAnyPackage(packages)))
                .because(pkg + " may use only " + (allowed.length == 0 ? "itself" : Arrays.toString(allowed)));
    }
}
