package io.optoutgw.console;

import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.optoutgw.app.Gateway;
import io.optoutgw.app.GatewayCli;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.testsupport.Esmes;
import io.optoutgw.testsupport.FreePorts;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jsmpp.bean.BindType;
import org.jsmpp.session.SMPPSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in headless Chromium (Selenium and the system's chromedriver) against a real
 * gateway, redis-server and SMSC simulator: signing in (a bad token refused with the API's
 * message), looking up a number, adding and removing one (the re-subscribe guard's 409 shown),
 * importing a CSV with bad rows, downloading the evidence (or the trace) and the export, the
 * report's charts, the live status and the event feed's dead letters. Each page is saved as a PNG
 * under {@code target/console-screenshots/}.
 *
 * <p>Skipped (an assumption, with the reason) where chromium or chromedriver is missing, except
 * under CI ({@code CI} set), where their absence fails the test: {@code .ci/run} installs them.
 */
@Tag("integration")
@Tag("browser")
@Timeout(value = 90, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {

    private static final String TOKEN = "console-test-token-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SHOTS = Path.of("target", "console-screenshots");
    private static final Duration WAIT = Duration.ofSeconds(20);
    /** The person who texts STOP (and a reason) in {@link #start}. */
    private static final String STOPPED = "+15557300001";

    private static RedisServerProcess redis;
    private static SmscSimulator smsc;
    private static Gateway gateway;
    private static SMPPSession esme;
    private static WebDriver driver;
    private static Path downloads;
    private static final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    static void start() throws Exception {
        Path chromium = executable("CHROME_BIN", "chromium", "chromium-browser", "google-chrome");
        Path chromedriver = executable("CHROMEDRIVER", "chromedriver");
        String missing = chromium == null
                ? "chromium (apt-get install chromium chromium-driver)"
                : chromedriver == null ? "chromedriver (apt-get install chromium-driver)" : null;
        if (missing != null && System.getenv("CI") != null) {
            Assertions.fail("browser tests must run under CI, but " + missing + " is missing");
        }
        Assumptions.assumeTrue(
                missing == null, "web console browser tests skipped: no " + missing + " on this machine");

        redis = RedisServerProcess.start();
        smsc = new SmscSimulator(SimulatorOptions.defaults()).start();
        String secret = "whsec_" + Base64.getEncoder().encodeToString("console-webhook-key-0123456789ab".getBytes());
        // the webhook's endpoint is a port nothing listens on: every event ends in its dead letters
        gateway = TestGateways.start(
                "gw-console", redis.uri(), """
                relay: { requestTimeout: 2s }
                suppression: { buckets: 1024 }
                optout: { recordTimeout: 1500ms, reconcileInterval: 1h }
                feed: { publishInterval: 50ms }
                webhooks:
                  - { name: crm, url: "http://127.0.0.1:%d/hook", secret: "%s", timeout: 500ms,
                      maxRetryInterval: 200ms, retryFor: 1s }
                upstreams:
                  - { name: sim, host: 127.0.0.1, port: %d, systemId: gw, binds: 1,
                      reconnectInitialDelay: 50ms, reconnectMaxDelay: 200ms }
                accounts:
                  - { systemId: acme, password: pw, numbers: ["12345"] }
                  - { systemId: beta, password: pw, numbers: ["67890"] }
                """.formatted(FreePorts.find(), secret, smsc.port()), TOKEN);
        awaitBound(gateway);
        esme = Esmes.bind(gateway.smppPort(), BindType.BIND_TRX, "acme", "pw", new Esmes.Inbox());
        // traffic for the report: messages relayed from acme's short code, then one person's STOP and reason
        for (int i = 0; i < 8; i++) {
            Esmes.submit(esme, "12345", "1555730" + String.format("%04d", 100 + i), "hello", false);
        }
        assertEquals(0, mo(STOPPED, "STOP"));
        assertEquals(0, mo(STOPPED, "too many messages"));

        downloads = Files.createTempDirectory("console-downloads-");
        Files.createDirectories(SHOTS);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--window-size=1366,900",
                "--lang=en-US");
        options.setExperimentalOption(
                "prefs",
                Map.of(
                        "download.default_directory",
                        downloads.toAbsolutePath().toString(),
                        "download.prompt_for_download",
                        false));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(chromedriver.toFile())
                .usingAnyFreePort()
                .build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() throws Exception {
        if (driver != null) {
            driver.quit();
        }
        if (esme != null) {
            esme.unbindAndClose();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (smsc != null) {
            smsc.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    @Order(1)
    void signInRefusesABadTokenWithTheApisMessageAndTakesTheRightOne() throws Exception {
        driver.get(base() + "/ui/");
        ((JavascriptExecutor) driver).executeScript("sessionStorage.clear()");
        driver.navigate().refresh();
        WebElement token = visible(By.id("signin-token"));
        assertFalse(driver.findElement(By.id("nav")).isDisplayed(), "no page but sign-in before signing in");
        token.sendKeys("not-the-token");
        driver.findElement(By.cssSelector("#signin-form button[type=submit]")).click();
        String refused = textOf(By.id("signin-error"));
        assertTrue(refused.contains("invalid token") && refused.contains("401"), refused);
        screenshot("signin-refused");

        token.clear();
        token.sendKeys(TOKEN);
        token.submit();
        visible(By.id("lookup-number"));
        assertTrue(driver.findElement(By.id("nav")).isDisplayed());
        new WebDriverWait(driver, WAIT)
                .until(ExpectedConditions.textToBePresentInElementLocated(By.id("instance"), "gw-console"));
        screenshot("signin");
    }

    @Test
    @Order(2)
    void lookUpShowsTheStatusPerScopeAndTheTimeline() throws Exception {
        page("lookup");
        lookUp(STOPPED);
        String scopes = textOf(By.cssSelector("#lookup-scopes tbody"));
        assertTrue(scopes.contains("opted out") && scopes.contains("yes"), scopes);
        String timeline = textOf(By.cssSelector("#lookup-timeline tbody"));
        assertTrue(timeline.contains("Opt-out") && timeline.contains("keyword STOP"), timeline);
        assertTrue(timeline.contains("Reason given"), timeline);
        assertTrue(textOf(By.id("lookup-summary")).startsWith("Suppressed"));
        screenshot("lookup");
    }

    @Test
    @Order(3)
    void addAndRemoveWithAReasonAndTheGuardsRefusalShown() throws Exception {
        String number = "+15557300002";
        page("change");
        fillChange(number, "global", "complaint by phone");
        driver.findElement(By.id("change-submit")).click();
        String added = textOf(By.id("change-result"));
        assertTrue(added.startsWith("Added: " + number + " in global") && added.contains("is now suppressed"), added);
        assertTrue(apiGet("/api/suppressions/" + enc(number)).get("suppressed").asBoolean());
        screenshot("change-added");

        driver.findElement(By.cssSelector("input[name=action][value=remove]")).click();
        assertTrue(driver.findElement(By.id("change-evidence")).isDisplayed(), "removal asks for evidence");
        fillChange(number, "global", "added by mistake");
        driver.findElement(By.id("change-submit")).click();
        String removed = textOf(By.id("change-result"));
        assertTrue(removed.startsWith("Removed: " + number) && removed.contains("not suppressed"), removed);
        assertFalse(apiGet("/api/suppressions/" + enc(number)).get("suppressed").asBoolean());

        // the person's own STOP: the re-subscribe guard answers 409, which the page shows
        String scope = apiGet("/api/suppressions/" + enc(STOPPED))
                .get("scopes")
                .get(0)
                .get("scope")
                .asText();
        fillChange(STOPPED, scope, "customer asked on the phone");
        driver.findElement(By.id("change-submit")).click();
        String refused = textOf(By.id("change-error"));
        assertTrue(refused.startsWith("Refused by the re-subscribe guard:") && refused.length() > 40, refused);
        assertTrue(apiGet("/api/suppressions/" + enc(STOPPED)).get("suppressed").asBoolean());
        screenshot("change-refused");
    }

    @Test
    @Order(4)
    void importShowsTheCountsAndTheBadRows() throws Exception {
        Path csv = Files.createTempFile("console-import-", ".csv");
        Files.writeString(csv, """
                number,scope,reason
                +15557300010,global,list
                +15557300011,global,list
                not-a-number,global,list
                +15557300012,nowhere:at:all:x,list
                +15557300013,global,list
                """);
        page("import");
        driver.findElement(By.id("import-file")).sendKeys(csv.toAbsolutePath().toString());
        driver.findElement(By.cssSelector("#import-form button[type=submit]")).click();
        visible(By.id("import-result"));
        String summary = textOf(By.id("import-summary"));
        assertTrue(
                summary.contains("Rows read\n5") && summary.contains("Imported\n3") && summary.contains("Bad rows\n2"),
                summary);
        List<WebElement> bad = driver.findElements(By.cssSelector("#import-errors tbody tr"));
        assertEquals(2, bad.size(), textOf(By.cssSelector("#import-errors tbody")));
        assertEquals("4", bad.get(0).findElement(By.tagName("th")).getText());
        assertEquals("5", bad.get(1).findElement(By.tagName("th")).getText());
        assertEquals("100", driver.findElement(By.id("import-progress")).getAttribute("value"));
        assertTrue(apiGet("/api/suppressions/" + enc("+15557300013"))
                .get("suppressed")
                .asBoolean());
        screenshot("import");
        Files.deleteIfExists(csv);
    }

    @Test
    @Order(5)
    void evidenceAndExportDownload() throws Exception {
        page("lookup");
        lookUp(STOPPED);
        driver.findElement(By.id("lookup-evidence")).click();
        new WebDriverWait(driver, WAIT)
                .until(ExpectedConditions.textToBePresentInElementLocated(By.id("evidence-status"), "Downloaded "));
        Path file = downloaded(f -> f.startsWith("evidence-15557300001") || f.startsWith("trace-15557300001"));
        String body = Files.readString(file);
        assertTrue(body.contains("15557300001"), body);
        if (file.getFileName().toString().startsWith("trace-")) {
            // the fallback: the trace as the API gives it
            assertEquals("+15557300001", JSON.readTree(body).get("number").asText());
        }
        screenshot("evidence");

        page("export");
        driver.findElement(By.id("export-button")).click();
        new WebDriverWait(driver, WAIT)
                .until(ExpectedConditions.textToBePresentInElementLocated(
                        By.id("export-status"), "Downloaded suppressions-"));
        Path csv = downloaded(f -> f.startsWith("suppressions-") && f.endsWith(".csv"));
        String exported = Files.readString(csv);
        assertTrue(exported.contains("15557300013") && exported.contains("15557300001"), exported);
        screenshot("export");
    }

    @Test
    @Order(6)
    void reportDrawsItsThreeCharts() throws Exception {
        // relayed counts reach Redis every 5 s: wait until the report has a rate for acme's short code
        assertTrue(
                TestGateways.eventually(Duration.ofSeconds(20), () -> {
                    try {
                        for (JsonNode s : apiGet("/api/report?days=7").get("senders")) {
                            if (s.get("relayed").asLong() > 0) {
                                return true;
                            }
                        }
                        return false;
                    } catch (Exception e) {
                        return false;
                    }
                }),
                "the report names a sender with relayed messages");
        page("report");
        new Select(driver.findElement(By.id("report-days"))).selectByValue("7");
        driver.findElement(By.cssSelector("#report-form button[type=submit]")).click();
        new WebDriverWait(driver, WAIT)
                .until(ExpectedConditions.textToBePresentInElementLocated(By.id("report-summary"), "Last 7 days"));
        String summary = textOf(By.id("report-summary"));
        assertTrue(summary.contains("1 opt-outs") && summary.contains("1 reasons"), summary);
        for (String chart : List.of("chart-days", "chart-senders", "chart-reasons")) {
            new WebDriverWait(driver, WAIT)
                    .until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#" + chart + " canvas")));
        }
        JavascriptExecutor js = (JavascriptExecutor) driver;
        Object stop = js.executeScript("const o = echarts.getInstanceByDom(document.getElementById('chart-days'))"
                + ".getOption(); return o.series.filter(s => s.name === 'STOP')"
                + ".map(s => s.data.reduce((a, b) => a + b, 0))[0];");
        assertEquals(1L, ((Number) stop).longValue());
        Object rate = js.executeScript("return echarts.getInstanceByDom(document.getElementById('chart-senders'))"
                + ".getOption().series[0].data[0];");
        assertEquals(1.0 / 8, ((Number) rate).doubleValue(), 1e-9);
        Object reason = js.executeScript("return echarts.getInstanceByDom(document.getElementById('chart-reasons'))"
                + ".getOption().yAxis[0].data[0];");
        assertEquals("too many messages", reason);
        screenshot("report");
    }

    @Test
    @Order(7)
    void statusShowsReadinessBindsAndRates() throws Exception {
        page("status");
        new WebDriverWait(driver, WAIT)
                .until(ExpectedConditions.textToBePresentInElementLocated(By.id("status-ready"), "Ready"));
        String upstreams = textOf(By.cssSelector("#status-upstreams tbody"));
        assertTrue(upstreams.contains("sim") && upstreams.contains("1 of 1"), upstreams);
        // the rates need two snapshots: wait for the second refresh
        new WebDriverWait(driver, WAIT).until(d -> {
            String t = d.findElement(By.cssSelector("#status-accounts tbody")).getText();
            return t.contains("acme 1") && !t.contains("…");
        });
        // traffic while the page refreshes: acme's submit rate goes above zero
        Thread sender = new Thread(() -> {
            try {
                for (int i = 0; i < 40 && !Thread.currentThread().isInterrupted(); i++) {
                    Esmes.submit(esme, "12345", "1555731" + String.format("%04d", i), "hello", false);
                    Thread.sleep(100);
                }
            } catch (Exception e) {
                // the assertion below says what was seen
            }
        });
        sender.start();
        try {
            new WebDriverWait(driver, WAIT).until(d -> {
                List<WebElement> cells = d.findElements(By.cssSelector("#status-accounts tbody tr:first-child td"));
                return cells.size() == 6 && Double.parseDouble(cells.get(2).getText()) > 0;
            });
        } finally {
            sender.interrupt();
            sender.join(5000);
        }
        String accounts = textOf(By.cssSelector("#status-accounts tbody"));
        assertTrue(accounts.startsWith("acme 1 "), accounts);
        screenshot("status");
    }

    @Test
    @Order(8)
    void deadLettersOfTheEventFeed() throws Exception {
        assertTrue(
                TestGateways.eventually(Duration.ofSeconds(30), () -> {
                    try {
                        return apiGet("/api/events/dead-letter")
                                        .get("webhooks")
                                        .get("crm")
                                        .size()
                                > 0;
                    } catch (Exception e) {
                        return false;
                    }
                }),
                "the webhook on a closed port has dead letters");
        page("dead-letters");
        driver.findElement(By.cssSelector("#dead-form button[type=submit]")).click();
        WebElement caption = visible(By.cssSelector("#dead-result caption"));
        assertTrue(caption.getText().matches("crm: [1-9]\\d* dead letter\\(s\\)"), caption.getText());
        String rows = textOf(By.cssSelector("#dead-result tbody"));
        assertTrue(rows.contains("OPT_OUT") && rows.toLowerCase(Locale.ROOT).contains("connect"), rows);
        screenshot("dead-letters");
    }

    @Test
    @Order(9)
    void anAccountsTokenSeesOnlyItsOwnAccount() throws Exception {
        String acme = createToken("acme", "admin", "acme-console");
        String beta = createToken("beta", "operator", "beta-console");
        String betaOnly = "+15557300020";
        String acmeOwn = "+15557300021";
        // each account's operator adds a number to its own account's scope
        assertEquals(200, apiAdd(beta, betaOnly, "beta asked by phone").statusCode());
        assertEquals(200, apiAdd(acme, acmeOwn, "acme asked by email").statusCode());

        signOut();
        WebElement t = visible(By.id("signin-token"));
        t.sendKeys(acme);
        t.submit();
        visible(By.id("lookup-number"));
        new WebDriverWait(driver, WAIT)
                .until(ExpectedConditions.textToBePresentInElementLocated(
                        By.id("who"), "Token acme-console: account acme, admin"));

        // beta's number: nothing of beta's, and the page says why
        lookUp(betaOnly);
        assertEquals("Not on account acme's list.", textOf(By.id("lookup-summary")));
        assertTrue(textOf(By.id("lookup-scope-note")).contains("only its own scopes and its own events"));
        assertEquals("No entry in any scope.", textOf(By.cssSelector("#lookup-scopes tbody")));
        assertEquals("Nothing recorded for this number.", textOf(By.cssSelector("#lookup-timeline tbody")));
        String page = driver.findElement(By.id("page-lookup")).getText();
        assertFalse(Pattern.compile("\\bbeta\\b").matcher(page).find(), page);
        assertFalse(page.contains("beta asked"), page);
        screenshot("tenant-lookup-other");

        // its own number: visible with its reason and its timeline
        lookUp(acmeOwn);
        String scopes = textOf(By.cssSelector("#lookup-scopes tbody"));
        assertTrue(scopes.contains("account:acme") && scopes.contains("opted out"), scopes);
        String timeline = textOf(By.cssSelector("#lookup-timeline tbody"));
        assertTrue(timeline.contains("Added by an operator") && timeline.contains("acme asked by email"), timeline);
        // the evidence bundle needs the global admin token: the trace it may see instead, and why
        driver.findElement(By.id("lookup-evidence")).click();
        new WebDriverWait(driver, WAIT)
                .until(ExpectedConditions.textToBePresentInElementLocated(
                        By.id("evidence-status"), "needs the global admin token"));
        screenshot("tenant-lookup");

        // a change in beta's scope: the API's 403 with its message
        page("change");
        fillChange(betaOnly, "account:beta", "not acme's to lift");
        driver.findElement(By.cssSelector("input[name=action][value=remove]")).click();
        driver.findElement(By.id("change-submit")).click();
        String refused = textOf(By.id("change-error"));
        assertTrue(refused.contains("HTTP 403") && refused.contains("beta"), refused);
        assertTrue(
                apiGet("/api/suppressions/" + enc(betaOnly)).get("suppressed").asBoolean());
        screenshot("tenant-change-refused");

        // an import: the scope defaults to acme's account; a row in beta's scope is a bad row
        page("import");
        assertEquals("account:acme", driver.findElement(By.id("import-scope")).getAttribute("value"));
        Path csv = Files.createTempFile("console-tenant-import-", ".csv");
        Files.writeString(csv, "number,scope,reason\n+15557300022,,list\n+15557300023,account:beta,list\n");
        driver.findElement(By.id("import-file")).sendKeys(csv.toAbsolutePath().toString());
        driver.findElement(By.cssSelector("#import-form button[type=submit]")).click();
        visible(By.id("import-result"));
        String imported = textOf(By.id("import-summary"));
        assertTrue(imported.contains("Imported\n1") && imported.contains("Bad rows\n1"), imported);
        String badRow = textOf(By.cssSelector("#import-errors tbody"));
        assertTrue(badRow.startsWith("3 ") && badRow.contains("outside account acme"), badRow);
        Files.deleteIfExists(csv);
        screenshot("tenant-import");

        // the export: acme's rows only
        clearDownloads();
        page("export");
        driver.findElement(By.id("export-button")).click();
        new WebDriverWait(driver, WAIT)
                .until(ExpectedConditions.textToBePresentInElementLocated(
                        By.id("export-status"), "Downloaded suppressions-"));
        String exported = Files.readString(downloaded(f -> f.startsWith("suppressions-") && f.endsWith(".csv")));
        assertTrue(
                exported.contains("15557300021,account:acme") && exported.contains("15557300022,account:acme"),
                exported);
        assertFalse(exported.contains("15557300020") || exported.contains("beta"), exported);

        // the pages of every account's data: a notice, no error, no figures
        for (String p : List.of("report", "status", "dead-letters")) {
            page(p);
            String notice = textOf(By.id(p + "-notice"));
            assertTrue(
                    notice.startsWith("This page needs the global admin token (http.adminToken).")
                            && notice.contains("acme-console"),
                    notice);
            String error = driver.findElement(By.id(p.equals("dead-letters") ? "dead-error" : p + "-error"))
                    .getText();
            assertEquals("", error, p);
            assertTrue(
                    driver.findElements(By.cssSelector("#page-" + p + " canvas"))
                            .isEmpty(),
                    p);
            if (!p.equals("dead-letters")) {
                screenshot("tenant-" + p);
            }
        }
        assertFalse(driver.findElement(By.id("dead-form")).isDisplayed(), "the dead letters' form is hidden");
        signOut();
    }

    // ---- helpers ---------------------------------------------------------------------------

    /** {@code gateway tokens create} with the global admin token; the new token. */
    private static String createToken(String account, String role, String name) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = GatewayCli.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(
                "tokens",
                "create",
                "--account",
                account,
                "--role",
                role,
                "--name",
                name,
                "--url",
                base(),
                "--token",
                TOKEN);
        assertEquals(0, code, err.toString());
        return out.toString().strip();
    }

    private static HttpResponse<String> apiAdd(String token, String number, String reason) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(base() + "/api/suppressions"))
                        .header("Authorization", "Bearer " + token)
                        .POST(HttpRequest.BodyPublishers.ofString(
                                JSON.writeValueAsString(Map.of("number", number, "reason", reason))))
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void signOut() {
        driver.get(base() + "/ui/");
        Object signedIn =
                ((JavascriptExecutor) driver).executeScript("return sessionStorage.getItem('optoutgw.token')");
        if (signedIn != null) {
            visible(By.id("sign-out")).click();
        }
        visible(By.id("signin-token"));
    }

    private static void clearDownloads() throws IOException {
        try (Stream<Path> files = Files.list(downloads)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    private static int mo(String from, String text) throws Exception {
        return smsc.injectMo(from.substring(1), "12345", text.getBytes(StandardCharsets.ISO_8859_1), (byte) 0)
                .get(10, TimeUnit.SECONDS);
    }

    private static String base() {
        return "http://127.0.0.1:" + gateway.httpPort();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static JsonNode apiGet(String path) throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(base() + path))
                        .header("Authorization", "Bearer " + TOKEN)
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    /** Opens a console page, signing in first where this browser is not signed in. */
    private static void page(String name) {
        driver.get(base() + "/ui/#" + name);
        Object signedIn =
                ((JavascriptExecutor) driver).executeScript("return sessionStorage.getItem('optoutgw.token')");
        if (signedIn == null) {
            WebElement token = visible(By.id("signin-token"));
            token.sendKeys(TOKEN);
            token.submit();
            visible(By.id("nav"));
            driver.get(base() + "/ui/#" + name);
        }
        visible(By.id("page-" + name));
    }

    private static void lookUp(String number) {
        WebElement n = driver.findElement(By.id("lookup-number"));
        n.clear();
        n.sendKeys(number);
        driver.findElement(By.cssSelector("#lookup-form button[type=submit]")).click();
        new WebDriverWait(driver, WAIT)
                .until(ExpectedConditions.textToBePresentInElementLocated(By.id("lookup-heading"), number));
    }

    private static void fillChange(String number, String scope, String reason) {
        for (String[] f : new String[][] {
            {"change-number", number}, {"change-scope", scope}, {"change-reason", reason}, {"change-actor", "alice"}
        }) {
            WebElement e = driver.findElement(By.id(f[0]));
            e.clear();
            e.sendKeys(f[1]);
        }
        ((JavascriptExecutor) driver)
                .executeScript("document.getElementById('change-result').textContent = '';"
                        + "document.getElementById('change-error').textContent = '';");
    }

    private static WebElement visible(By by) {
        return new WebDriverWait(driver, WAIT).until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    /** The element's text once it is not empty. */
    private static String textOf(By by) {
        return new WebDriverWait(driver, WAIT).until(d -> {
            String t = d.findElement(by).getText();
            return t == null || t.isBlank() ? null : t;
        });
    }

    private static Path downloaded(Predicate<String> name) {
        return new WebDriverWait(driver, WAIT).until(d -> {
            try (Stream<Path> files = Files.list(downloads)) {
                Optional<Path> f = files.filter(p -> name.test(p.getFileName().toString())
                                && !p.getFileName().toString().endsWith(".crdownload"))
                        .findFirst();
                return f.orElse(null);
            } catch (IOException e) {
                return null;
            }
        });
    }

    private static void screenshot(String name) throws Exception {
        // the whole page, not only the first screen: the window grows to the page's height for the shot
        Dimension screen = driver.manage().window().getSize();
        Object height = ((JavascriptExecutor) driver).executeScript("return document.documentElement.scrollHeight");
        int tall = Math.min(2400, Math.max(screen.getHeight(), ((Number) height).intValue() + 140));
        driver.manage().window().setSize(new Dimension(screen.getWidth(), tall));
        Path png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath();
        Path to = SHOTS.resolve(name + ".png");
        Files.copy(png, to, StandardCopyOption.REPLACE_EXISTING);
        driver.manage().window().setSize(screen);
        assertTrue(Files.size(to) > 1000, "screenshot " + to);
    }

    /** {@code env}'s path, or the first of {@code names} on the PATH; null when none is executable. */
    private static Path executable(String env, String... names) {
        String given = System.getenv(env);
        if (given != null && Files.isExecutable(Path.of(given))) {
            return Path.of(given);
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String n : names) {
                Path p = Path.of(dir, n);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
    }
}
