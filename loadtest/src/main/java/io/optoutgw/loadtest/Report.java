package io.optoutgw.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.NumberFormat;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.DatasetRenderingOrder;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.LineAndShapeRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.data.category.DefaultCategoryDataset;

/** Terminal table, JSON and PNG of a run: medians per scenario, leg and rate, and the ratios the targets name. */
final class Report {

    private final List<LegResult> results;
    private final Map<String, Object> extras;
    private final List<String> notes;
    private final Map<String, Object> settings;
    private final long elapsedSeconds;

    Report(
            List<LegResult> results,
            Map<String, Object> extras,
            List<String> notes,
            Map<String, Object> settings,
            long elapsedSeconds) {
        this.results = results;
        this.extras = extras;
        this.notes = notes;
        this.settings = settings;
        this.elapsedSeconds = elapsedSeconds;
    }

    static double median(double[] v) {
        double[] x = Arrays.stream(v).filter(d -> !Double.isNaN(d)).sorted().toArray();
        if (x.length == 0) {
            return Double.NaN;
        }
        return x.length % 2 == 1 ? x[x.length / 2] : (x[x.length / 2 - 1] + x[x.length / 2]) / 2;
    }

    static String line(LegResult r) {
        return String.format(
                Locale.ROOT,
                "  %-15s %-11s #%d %8s  %9.0f/s  ok %8.0f  refused %6.0f  other %5.0f  rcpt %8.0f  mo %6.0f"
                        + "  p50 %8.1f  p99 %8.1f  p99.9 %8.1f us  gwCPU %6.2f us/msg  lost %d%s",
                r.scenario(),
                r.leg(),
                r.run(),
                r.targetRate() > 0 ? String.format(Locale.ROOT, "@%.0f", r.targetRate()) : "max",
                r.throughput(),
                r.accepted(),
                r.refused(),
                r.otherStatus(),
                r.receipts(),
                r.mo(),
                r.p50us(),
                r.p99us(),
                r.p999us(),
                r.gatewayCpuUsPerMsg(),
                r.lost(),
                Double.isNaN(r.gatewayP50us())
                        ? ""
                        : String.format(
                                Locale.ROOT, "  in-gw p50 %.1f p99 %.1f us", r.gatewayP50us(), r.gatewayP99us()));
    }

    /** Median of {@code f} over the runs of (scenario, leg, rate). */
    private double med(String scenario, String leg, double rate, ToDoubleFunction<LegResult> f) {
        return median(results.stream()
                .filter(r -> r.scenario().equals(scenario) && r.leg().equals(leg) && r.targetRate() == rate)
                .mapToDouble(f)
                .toArray());
    }

    /** Group keys (scenario, rate) in run order. */
    private List<Object[]> groups() {
        Set<String> seen = new LinkedHashSet<>();
        List<Object[]> out = new ArrayList<>();
        for (LegResult r : results) {
            if (seen.add(r.scenario() + "|" + r.targetRate())) {
                out.add(new Object[] {r.scenario(), r.targetRate()});
            }
        }
        return out;
    }

    private static final List<String> LEGS =
            List.of("direct", "proxied", "ch-proxy", "cloudhopper", "tcp-relay", "jasmin");

    List<Map<String, Object>> summary() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object[] g : groups()) {
            String sc = (String) g[0];
            double rate = (Double) g[1];
            for (String leg : LEGS) {
                long n = results.stream()
                        .filter(r -> r.scenario().equals(sc) && r.leg().equals(leg) && r.targetRate() == rate)
                        .count();
                if (n == 0) {
                    continue;
                }
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("scenario", sc);
                m.put("rate", rate);
                m.put("leg", leg);
                m.put("runs", n);
                m.put("throughput", round(med(sc, leg, rate, LegResult::throughput)));
                m.put("refusedPerSec", round(med(sc, leg, rate, LegResult::refused)));
                m.put("otherPerSec", round(med(sc, leg, rate, LegResult::otherStatus)));
                m.put("p50us", round(med(sc, leg, rate, LegResult::p50us)));
                m.put("p99us", round(med(sc, leg, rate, LegResult::p99us)));
                m.put("p999us", round(med(sc, leg, rate, LegResult::p999us)));
                m.put("receiptsPerSec", round(med(sc, leg, rate, LegResult::receipts)));
                m.put("moPerSec", round(med(sc, leg, rate, LegResult::mo)));
                m.put("gatewayCpuUsPerMsg", round(med(sc, leg, rate, LegResult::gatewayCpuUsPerMsg)));
                m.put("redisCpuUsPerMsg", round(med(sc, leg, rate, Report::redisCpuUsPerMsg)));
                m.put("gatewayP50us", round(med(sc, leg, rate, LegResult::gatewayP50us)));
                m.put("gatewayP99us", round(med(sc, leg, rate, LegResult::gatewayP99us)));
                out.add(m);
            }
        }
        return out;
    }

    /** Median over the Jasmin legs of the submits it forwarded end to end per core (NaN without them). */
    double jasminEndToEndPerCore() {
        if (!(extras.get("jasmin") instanceof List<?> runs)) {
            return Double.NaN;
        }
        double[] v = runs.stream()
                .filter(m -> m instanceof Map<?, ?> mm && mm.get("endToEndPerCore") instanceof Number)
                .mapToDouble(m -> ((Number) ((Map<?, ?>) m).get("endToEndPerCore")).doubleValue())
                .filter(x -> !Double.isNaN(x))
                .toArray();
        return median(v);
    }

    /** Redis CPU microseconds per submit response over a leg (NaN where Redis CPU was not read). */
    static double redisCpuUsPerMsg(LegResult r) {
        double n = r.throughput() * r.seconds();
        return n > 0 && r.redisCpuSec() > 0 ? r.redisCpuSec() * 1e6 / n : Double.NaN;
    }

    /** The comparisons the targets in docs/performance.md name. */
    List<Map<String, Object>> targets() {
        List<Map<String, Object>> out = new ArrayList<>();
        // costs per message: the targets that hold on any number of cores
        costTarget(out, "saturation", 0, 4);
        for (Object[] g : groups()) {
            if (g[0].equals("fixed-rate")) {
                double rate = (Double) g[1];
                costTarget(out, "fixed-rate", rate, rate >= 20_000 ? 8 : rate >= 5_000 ? 15 : Double.NaN);
            }
        }
        double gwCpu = med("saturation", "proxied", 0, LegResult::gatewayCpuUsPerMsg);
        double chCpu = med("saturation", "ch-proxy", 0, LegResult::gatewayCpuUsPerMsg);
        if (!Double.isNaN(gwCpu) && !Double.isNaN(chCpu) && chCpu > 0) {
            out.add(target(
                    "saturation CPU/msg gateway / cloudhopper proxy", gwCpu / chCpu, "<= 0.33", gwCpu / chCpu <= 0.34));
        }
        double chTp = med("saturation", "ch-proxy", 0, LegResult::throughput);
        double sd = med("saturation", "direct", 0, LegResult::throughput);
        double sp = med("saturation", "proxied", 0, LegResult::throughput);
        double sc = med("saturation", "cloudhopper", 0, LegResult::throughput);
        if (!Double.isNaN(sd) && !Double.isNaN(sp)) {
            out.add(target("saturation proxied/direct throughput", sp / sd, ">= 0.85", sp / sd >= 0.85));
            out.add(target("harness headroom direct/proxied", sd / sp, ">= 1.5 (harness valid)", sd / sp >= 1.5));
        }
        if (!Double.isNaN(sp) && !Double.isNaN(chTp)) {
            out.add(target("saturation proxied/cloudhopper-proxy throughput", sp / chTp, "(reference)", true));
        }
        if (!Double.isNaN(sp) && !Double.isNaN(sc)) {
            out.add(target("saturation proxied/cloudhopper throughput", sp / sc, ">= 3", sp / sc >= 3));
        }
        double jasminPerCore = jasminEndToEndPerCore();
        if (!Double.isNaN(gwCpu) && gwCpu > 0 && !Double.isNaN(jasminPerCore) && jasminPerCore > 0) {
            // per core: submits relayed per CPU second of the gateway against submits Jasmin took in
            // and forwarded to the SMSC per CPU second of jasmind + RabbitMQ
            double ratio = 1e6 / gwCpu / jasminPerCore;
            out.add(target("saturation per core: gateway relayed / Jasmin end to end", ratio, ">= 50", ratio >= 50));
        }
        double cd = med("carrier", "direct", 0, LegResult::throughput);
        double cp = med("carrier", "proxied", 0, LegResult::throughput);
        if (!Double.isNaN(cd) && !Double.isNaN(cp)) {
            out.add(target("carrier proxied/direct throughput", cp / cd, ">= 0.98", cp / cd >= 0.98));
        }
        for (Object[] g : groups()) {
            String s = (String) g[0];
            double rate = (Double) g[1];
            if (!s.equals("fixed-rate") && !s.equals("window1")) {
                continue;
            }
            double p50 = med(s, "proxied", rate, LegResult::p50us) - med(s, "direct", rate, LegResult::p50us);
            double p99 = med(s, "proxied", rate, LegResult::p99us) - med(s, "direct", rate, LegResult::p99us);
            String name = s + (rate > 0 ? String.format(Locale.ROOT, " @%.0f/s", rate) : "");
            if (s.equals("window1")) {
                out.add(target(name + " added p50 (us)", p50, "<= 60", p50 <= 60));
                out.add(target(name + " added p99 (us)", p99, "(reference)", true));
                continue;
            }
            out.add(target(name + " added p50 (us)", p50, "(reference)", true));
            out.add(target(name + " added p99 (us)", p99, "(reference)", true));
            double inGw99 = med(s, "proxied", rate, LegResult::gatewayP99us);
            if (rate == 20_000 && !Double.isNaN(inGw99)) {
                out.add(target(name + " gateway relay time p99 (us)", inGw99, "<= 500", inGw99 <= 500));
            }
        }
        Object b = extras.get("binds1000");
        if (b instanceof Map<?, ?> m) {
            double heap = ((Number) m.get("heapBoundMiB")).doubleValue();
            out.add(target(
                    "1000 bound sessions: heap after GC (MiB)",
                    heap,
                    "fits -Xmx" + m.get("heapMax"),
                    heap > 0 && heap < 512));
        }
        Object soak = extras.get("soakHeapAfterGcMiB");
        if (soak instanceof List<?> l && l.size() >= 3) {
            // heap after GC scatters by +-20% from sample to sample (it depends on when the last
            // collection ran), so growth is the least-squares trend over all samples, not last - first
            int n = l.size();
            double[] t = new double[n];
            double[] mib = new double[n];
            for (int i = 0; i < n; i++) {
                t[i] = ((Number) ((List<?>) l.get(i)).get(0)).doubleValue();
                mib[i] = ((Number) ((List<?>) l.get(i)).get(1)).doubleValue();
            }
            double meanT = Arrays.stream(t).average().orElse(0);
            double meanM = Arrays.stream(mib).average().orElse(0);
            double sxy = 0;
            double sxx = 0;
            for (int i = 0; i < n; i++) {
                sxy += (t[i] - meanT) * (mib[i] - meanM);
                sxx += (t[i] - meanT) * (t[i] - meanT);
            }
            double growth = sxx == 0 ? 0 : sxy / sxx * (t[n - 1] - t[0]);
            out.add(target(
                    "soak heap trend after GC over the run (MiB)",
                    growth,
                    "flat (< 10% of mean)",
                    growth < 0.1 * meanM));
        }
        return out;
    }

    /** Gateway and Redis CPU per submit in one scenario (and rate) against the per-message targets. */
    private void costTarget(List<Map<String, Object>> out, String scenario, double rate, double gatewayUs) {
        double g = med(scenario, "proxied", rate, LegResult::gatewayCpuUsPerMsg);
        if (Double.isNaN(g) || g <= 0) {
            return;
        }
        String name = scenario + (rate > 0 ? String.format(Locale.ROOT, " @%.0f/s", rate) : "");
        if (!Double.isNaN(gatewayUs)) {
            out.add(target(name + " gateway CPU us/msg", g, "<= " + (int) gatewayUs, g <= gatewayUs));
        }
        double r = med(scenario, "proxied", rate, Report::redisCpuUsPerMsg);
        if (!Double.isNaN(r)) {
            out.add(target(name + " redis CPU us/msg", r, "<= 1.5", r <= 1.5));
        }
    }

    /**
     * What the proxied path adds on this machine before the gateway does any work: one more SMPP
     * round trip (window1 direct p50 is one) and one Redis round trip (PING p50).
     */
    String latencyFloor() {
        double hop = med("window1", "direct", 0, LegResult::p50us);
        Object ping = extras.get("redisPingUs");
        if (Double.isNaN(hop) || !(ping instanceof Map<?, ?> p)) {
            return null;
        }
        double redis = ((Number) p.get("p50")).doubleValue();
        return String.format(
                Locale.ROOT,
                "added-latency floor on this machine: one more SMPP round trip (window1 "
                        + "direct p50 %.0f us) + one Redis round trip (PING p50 %.0f us) = %.0f us before any gateway work",
                hop,
                redis,
                hop + redis);
    }

    /**
     * The saturation rate of a proxy that does no work ({@link TcpRelay}) against direct and against
     * the gateway: what a second hop alone costs on this machine.
     */
    String relayReference() {
        double d = med("saturation", "direct", 0, LegResult::throughput);
        double t = med("saturation", "tcp-relay", 0, LegResult::throughput);
        double p = med("saturation", "proxied", 0, LegResult::throughput);
        if (Double.isNaN(d) || Double.isNaN(t)) {
            return null;
        }
        return String.format(
                Locale.ROOT,
                "reference: a TCP relay doing no work carried %.0f/s at saturation, %.2f of"
                        + " direct; the gateway carried %.2f of the relay's rate",
                t,
                t / d,
                p / t);
    }

    private static Map<String, Object> target(String name, double value, String target, boolean met) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("value", round(value));
        m.put("target", target);
        m.put("met", met);
        return m;
    }

    private static double round(double v) {
        return Double.isNaN(v) ? v : Math.round(v * 100) / 100.0;
    }

    void printTable(PrintStream out) {
        out.println();
        out.println("All legs:");
        for (LegResult r : results) {
            out.println(line(r));
        }
        out.println();
        out.printf(
                "%-16s %8s %-12s %4s %12s %10s %10s %10s %10s %10s %10s %12s %10s %10s%n",
                "scenario",
                "rate",
                "leg",
                "runs",
                "msg/s (med)",
                "refused/s",
                "other/s",
                "p50 us",
                "p99 us",
                "p99.9 us",
                "rcpt/s",
                "gw CPU us/msg",
                "in-gw p50",
                "in-gw p99");
        for (Map<String, Object> m : summary()) {
            double rate = (Double) m.get("rate");
            out.printf(
                    Locale.ROOT,
                    "%-16s %8s %-12s %4d %12.0f %10.0f %10.0f %10.1f %10.1f %10.1f %10.0f %12.2f %10.1f %10.1f%n",
                    m.get("scenario"),
                    rate > 0 ? String.format(Locale.ROOT, "%.0f", rate) : "max",
                    m.get("leg"),
                    m.get("runs"),
                    m.get("throughput"),
                    m.get("refusedPerSec"),
                    m.get("otherPerSec"),
                    m.get("p50us"),
                    m.get("p99us"),
                    m.get("p999us"),
                    m.get("receiptsPerSec"),
                    m.get("gatewayCpuUsPerMsg"),
                    m.get("gatewayP50us"),
                    m.get("gatewayP99us"));
        }
        out.println();
        out.println("Targets:");
        for (Map<String, Object> t : targets()) {
            out.printf(
                    Locale.ROOT,
                    "  %-48s %10.2f  target %-28s %s%n",
                    t.get("name"),
                    t.get("value"),
                    t.get("target"),
                    Boolean.TRUE.equals(t.get("met")) ? "MET" : "MISSED");
        }
        for (String n : notes) {
            out.println("note: " + n);
        }
        String floor = latencyFloor();
        if (floor != null) {
            out.println("note: " + floor);
        }
        String relay = relayReference();
        if (relay != null) {
            out.println("note: " + relay);
        }
    }

    void writeJson(Path file) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("date", LocalDate.now().toString());
        root.put(
                "machine",
                Map.of(
                        "cores",
                        Runtime.getRuntime().availableProcessors(),
                        "os",
                        System.getProperty("os.name") + " " + System.getProperty("os.version"),
                        "java",
                        System.getProperty("java.vm.name") + " " + System.getProperty("java.version")));
        root.put("settings", settings);
        root.put("elapsedSeconds", elapsedSeconds);
        root.put("targets", targets());
        root.put("summary", summary());
        root.put("legs", results);
        root.put("extras", extras);
        root.put("notes", notes);
        root.put("latencyFloor", latencyFloor());
        root.put("relayReference", relayReference());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), root);
    }

    /** Median proxied saturation throughput of an earlier run, from its JSON; NaN if none. */
    static double previousProxiedSaturation(Path file) {
        try {
            JsonNode root = new ObjectMapper().readTree(file.toFile());
            for (JsonNode s : root.path("summary")) {
                if (s.path("scenario").asText().equals("saturation")
                        && s.path("leg").asText().equals("proxied")) {
                    return s.path("throughput").asDouble(Double.NaN);
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // no earlier run
        }
        return Double.NaN;
    }

    private static final Color[] LEG_COLORS = {
        new Color(0x4C78A8),
        new Color(0xF58518),
        new Color(0x54A24B),
        new Color(0x9D755D),
        new Color(0xB279A2),
        new Color(0x72B7B2)
    };

    /** Left: median throughput per scenario and leg. Right: median p50/p99/p99.9 per scenario/rate and leg (log scale). */
    void writePng(Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        int w = 1400;
        int h = 640;
        List<Map<String, Object>> sum = summary();
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(
                "SMPP opt-out gateway load test " + LocalDate.now() + " ("
                        + Runtime.getRuntime().availableProcessors() + " cores, medians of " + settings.get("repeat")
                        + " runs)",
                20,
                26);
        throughputChart(sum).draw(g, new Rectangle2D.Double(0, 40, 640, h - 40));
        latencyChart(sum).draw(g, new Rectangle2D.Double(640, 40, w - 640, h - 40));
        g.dispose();
        Files.createDirectories(file.toAbsolutePath().getParent());
        ImageIO.write(img, "png", file.toFile());
    }

    /** Median throughput per scenario (and rate), one bar per leg. */
    private static JFreeChart throughputChart(List<Map<String, Object>> sum) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (Map<String, Object> m : sum) {
            data.addValue(nz((Double) m.get("throughput")), (String) m.get("leg"), groupLabel(m));
        }
        NumberAxis y = new NumberAxis("throughput (submit_sm/s)");
        y.setNumberFormatOverride(NumberFormat.getIntegerInstance(Locale.ROOT));
        CategoryPlot plot = new CategoryPlot(data, categoryAxis(), y, bars(data));
        return chart("Throughput", plot);
    }

    /** Median p99 per scenario and leg as bars on a log scale, p50 and p99.9 as dashes over each bar. */
    private static JFreeChart latencyChart(List<Map<String, Object>> sum) {
        DefaultCategoryDataset p99 = new DefaultCategoryDataset();
        DefaultCategoryDataset p50 = new DefaultCategoryDataset();
        DefaultCategoryDataset p999 = new DefaultCategoryDataset();
        for (Map<String, Object> m : sum) {
            String leg = (String) m.get("leg");
            p99.addValue(positive((Double) m.get("p99us")), leg, groupLabel(m));
            p50.addValue(positive((Double) m.get("p50us")), leg, groupLabel(m));
            p999.addValue(positive((Double) m.get("p999us")), leg, groupLabel(m));
        }
        LogAxis y = new LogAxis("latency (us, log scale; bar = p99, marks = p50 and p99.9)");
        y.setBase(10);
        y.setRange(10, 1e7);
        y.setNumberFormatOverride(NumberFormat.getIntegerInstance(Locale.ROOT));
        y.setTickUnit(new NumberTickUnit(1));
        CategoryPlot plot = new CategoryPlot(p99, categoryAxis(), y, bars(p99));
        plot.setDataset(1, p50);
        plot.setRenderer(1, dashes(p50));
        plot.setDataset(2, p999);
        plot.setRenderer(2, dashes(p999));
        plot.setDatasetRenderingOrder(DatasetRenderingOrder.FORWARD);
        return chart("Latency", plot);
    }

    private static CategoryAxis categoryAxis() {
        CategoryAxis x = new CategoryAxis();
        x.setCategoryLabelPositions(CategoryLabelPositions.UP_45);
        x.setMaximumCategoryLabelLines(2);
        return x;
    }

    private static final double ITEM_MARGIN = 0.05;

    /** One bar per leg in its colour. */
    private static BarRenderer bars(DefaultCategoryDataset data) {
        BarRenderer bars = new BarRenderer();
        bars.setBarPainter(new StandardBarPainter());
        bars.setShadowVisible(false);
        bars.setItemMargin(ITEM_MARGIN);
        for (int i = 0; i < data.getRowCount(); i++) {
            int leg = LEGS.indexOf((String) data.getRowKey(i));
            bars.setSeriesPaint(i, LEG_COLORS[Math.max(0, leg) % LEG_COLORS.length]);
        }
        return bars;
    }

    /** A black dash per value, offset like the bars so each sits over its leg's bar; not in the legend. */
    private static LineAndShapeRenderer dashes(DefaultCategoryDataset data) {
        LineAndShapeRenderer dashes = new LineAndShapeRenderer(false, true);
        dashes.setUseSeriesOffset(true);
        dashes.setItemMargin(ITEM_MARGIN);
        for (int i = 0; i < data.getRowCount(); i++) {
            dashes.setSeriesShape(i, new Rectangle2D.Double(-6, -1, 12, 2));
            dashes.setSeriesPaint(i, Color.BLACK);
            dashes.setSeriesVisibleInLegend(i, false);
        }
        return dashes;
    }

    private static JFreeChart chart(String title, CategoryPlot plot) {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(new Color(0xDDDDDD));
        plot.setNoDataMessage("no run recorded");
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 14), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /** A latency for the log axis: a missing or non-positive one is left out (null). */
    private static Double positive(Double us) {
        return us == null || us.isNaN() || us <= 0 ? null : us;
    }

    private static String groupLabel(Map<String, Object> m) {
        double rate = (Double) m.get("rate");
        return m.get("scenario") + (rate > 0 ? String.format(Locale.ROOT, " %.0fk", rate / 1000) : "");
    }

    private static double nz(Double d) {
        return d == null || d.isNaN() ? 0 : d;
    }
}
