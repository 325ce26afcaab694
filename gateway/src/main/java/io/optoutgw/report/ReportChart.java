package io.optoutgw.report;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TimeZone;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.DateAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.StackedXYBarRenderer;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.data.category.CategoryDataset;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.time.Day;
import org.jfree.data.time.TimeTableXYDataset;

/**
 * Draws the report as a PNG with JFreeChart: opt-outs per day stacked by keyword, and the top
 * senders by opt-out rate.
 */
public final class ReportChart {

    private static final int WIDTH = 1000;
    private static final int HEIGHT = 720;
    private static final int DAYS_HEIGHT = 400;
    private static final int TOP_SENDERS = 8;
    private static final TimeZone UTC = TimeZone.getTimeZone(ZoneOffset.UTC);
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 16);
    private static final Color[] PALETTE = {
        new Color(0x1f77b4),
        new Color(0xff7f0e),
        new Color(0x2ca02c),
        new Color(0xd62728),
        new Color(0x9467bd),
        new Color(0x8c564b),
        new Color(0xe377c2),
        new Color(0x7f7f7f),
        new Color(0xbcbd22),
        new Color(0x17becf)
    };

    private ReportChart() {}

    public static void write(OptOutReport.Result r, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        days(r).draw(g, new Rectangle2D.Double(0, 0, WIDTH, DAYS_HEIGHT));
        senders(r.senders()).draw(g, new Rectangle2D.Double(0, DAYS_HEIGHT, WIDTH, HEIGHT - DAYS_HEIGHT));
        g.dispose();
        ImageIO.write(img, "png", png.toFile());
    }

    /** Opt-outs per UTC day, one stacked series per keyword. */
    static JFreeChart days(OptOutReport.Result r) {
        TimeTableXYDataset data = new TimeTableXYDataset(UTC, Locale.ROOT);
        for (LocalDate d = r.from(); !d.isAfter(r.to()); d = d.plusDays(1)) {
            Day day = new Day(Date.from(d.atStartOfDay(ZoneOffset.UTC).toInstant()), UTC, Locale.ROOT);
            for (String k : r.keywords()) {
                data.add(
                        day,
                        r.optOutsPerDayByKeyword().getOrDefault(d, Map.of()).getOrDefault(k, 0L),
                        k,
                        false);
            }
        }
        DateAxis x = new DateAxis("day (UTC)");
        x.setTimeZone(UTC);
        NumberAxis y = new NumberAxis("opt-outs");
        y.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        StackedXYBarRenderer bars = new StackedXYBarRenderer(0.15);
        bars.setBarPainter(new StandardXYBarPainter());
        bars.setShadowVisible(false);
        for (int i = 0; i < r.keywords().size(); i++) {
            bars.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
        }
        XYPlot plot = new XYPlot(data, x, y, bars);
        plot.setNoDataMessage("no opt-out in this period");
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        JFreeChart chart = new JFreeChart(
                "Opt-outs per day by keyword, " + r.from() + " .. " + r.to() + " (UTC)", TITLE, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /** The senders with the highest opt-out rate among those with relayed messages, highest first. */
    static JFreeChart senders(List<OptOutReport.SenderRate> senders) {
        List<OptOutReport.SenderRate> top =
                senders.stream().filter(s -> s.relayed() > 0).limit(TOP_SENDERS).toList();
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (OptOutReport.SenderRate s : top) {
            data.addValue(100 * s.rate(), "opt-out rate", s.account() + " / " + s.sender());
        }
        JFreeChart chart = ChartFactory.createBarChart(
                "Top senders by opt-out rate (opt-outs / messages relayed)",
                null,
                "opt-out rate (%)",
                data,
                PlotOrientation.HORIZONTAL,
                false,
                false,
                false);
        chart.getTitle().setFont(TITLE);
        chart.setBackgroundPaint(Color.WHITE);
        CategoryPlot plot = chart.getCategoryPlot();
        plot.setNoDataMessage("no sender with relayed messages in this period");
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeAxisLocation(AxisLocation.BOTTOM_OR_LEFT);
        BarRenderer bars = (BarRenderer) plot.getRenderer();
        bars.setBarPainter(new StandardBarPainter());
        bars.setShadowVisible(false);
        bars.setSeriesPaint(0, PALETTE[0]);
        bars.setMaximumBarWidth(0.12);
        bars.setDefaultItemLabelsVisible(true);
        bars.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator() {
            @Override
            public String generateLabel(CategoryDataset dataset, int row, int column) {
                OptOutReport.SenderRate s = top.get(column);
                return String.format(Locale.ROOT, "%.2f%% (%d / %d)", 100 * s.rate(), s.optOuts(), s.relayed());
            }
        });
        // room on the right for the label of the longest bar
        plot.getRangeAxis().setUpperMargin(0.25);
        return chart;
    }
}
