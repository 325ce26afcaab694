package io.optoutgw.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/** Draws the report as a PNG: opt-outs per day stacked by keyword, and the top senders by opt-out rate. */
public final class ReportChart {

    private static final int WIDTH = 1000;
    private static final int HEIGHT = 720;
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
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString("Opt-outs per day by keyword, " + r.from() + " .. " + r.to() + " (UTC)", 20, 28);
        drawDays(g, r, 60, 50, WIDTH - 200, 330);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString("Top senders by opt-out rate (opt-outs / messages relayed)", 20, 430);
        drawSenders(g, r.senders(), 200, 450, WIDTH - 400, 240);
        g.dispose();
        ImageIO.write(img, "png", png.toFile());
    }

    private static void drawDays(Graphics2D g, OptOutReport.Result r, int x, int y, int w, int h) {
        Map<LocalDate, Map<String, Long>> days = r.optOutsPerDayByKeyword();
        long max = 1;
        for (Map<String, Long> d : days.values()) {
            max = Math.max(max, d.values().stream().mapToLong(Long::longValue).sum());
        }
        g.setColor(Color.GRAY);
        g.setStroke(new BasicStroke(1));
        g.drawLine(x, y + h, x + w, y + h);
        g.drawLine(x, y, x, y + h);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        g.drawString(Long.toString(max), x - 40, y + 10);
        g.drawString("0", x - 15, y + h);
        long span = Math.max(1, r.to().toEpochDay() - r.from().toEpochDay() + 1);
        int barW = Math.max(2, (int) (w / span) - 2);
        for (LocalDate d = r.from(); !d.isAfter(r.to()); d = d.plusDays(1)) {
            int bx = x + 1 + (int) ((d.toEpochDay() - r.from().toEpochDay()) * w / span);
            Map<String, Long> counts = days.getOrDefault(d, Map.of());
            int top = y + h;
            for (int i = 0; i < r.keywords().size(); i++) {
                long n = counts.getOrDefault(r.keywords().get(i), 0L);
                int bh = (int) (n * h / max);
                g.setColor(PALETTE[i % PALETTE.length]);
                g.fillRect(bx, top - bh, barW, bh);
                top -= bh;
            }
        }
        g.setColor(Color.DARK_GRAY);
        g.drawString(r.from().toString(), x, y + h + 16);
        g.drawString(r.to().toString(), x + w - 70, y + h + 16);
        int ly = y + 10;
        for (int i = 0; i < r.keywords().size(); i++) {
            g.setColor(PALETTE[i % PALETTE.length]);
            g.fillRect(x + w + 20, ly - 10, 12, 12);
            g.setColor(Color.BLACK);
            g.drawString(r.keywords().get(i), x + w + 38, ly);
            ly += 18;
        }
    }

    private static void drawSenders(Graphics2D g, List<OptOutReport.SenderRate> senders, int x, int y, int w, int h) {
        List<OptOutReport.SenderRate> top =
                senders.stream().filter(s -> s.relayed() > 0).limit(8).toList();
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        if (top.isEmpty()) {
            g.setColor(Color.DARK_GRAY);
            g.drawString("no sender with relayed messages in this period", x, y + 20);
            return;
        }
        double max = top.get(0).rate();
        int rowH = h / Math.max(1, top.size());
        for (int i = 0; i < top.size(); i++) {
            OptOutReport.SenderRate s = top.get(i);
            int by = y + i * rowH;
            int bw = (int) (w * (s.rate() / max));
            g.setColor(PALETTE[0]);
            g.fillRect(x, by + 4, Math.max(1, bw), rowH - 8);
            g.setColor(Color.BLACK);
            g.drawString(s.account() + " / " + s.sender(), x - 180, by + rowH / 2 + 4);
            g.drawString(
                    String.format("%.2f%% (%d / %d)", 100 * s.rate(), s.optOuts(), s.relayed()),
                    x + Math.max(1, bw) + 8,
                    by + rowH / 2 + 4);
        }
    }
}
