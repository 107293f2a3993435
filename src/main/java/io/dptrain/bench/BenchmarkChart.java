package io.dptrain.bench;

import io.dptrain.report.EpochEvaluation;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The benchmarks' PNG: test accuracy against training time, one line per system, the target as a rule. */
final class BenchmarkChart {
    /** One line of the chart: its legend and the test accuracy points, at their training time. */
    record Series(String name, List<EpochEvaluation.Point> points) {
    }

    static final int WIDTH = 900;
    static final int HEIGHT = 500;

    private BenchmarkChart() {
    }

    static void write(List<Series> lines, double target, Path png) {
        // No display is needed to draw into an image; without this AWT may look for one and fail.
        System.setProperty("java.awt.headless", "true");
        XYSeriesCollection data = new XYSeriesCollection();
        double low = target;
        double high = target;
        double right = 0;
        for (Series line : lines) {
            XYSeries series = new XYSeries(line.name(), false);
            for (EpochEvaluation.Point p : line.points()) {
                series.add(p.trainMillis() / 1000.0, p.accuracy());
                low = Math.min(low, p.accuracy());
                high = Math.max(high, p.accuracy());
                right = Math.max(right, p.trainMillis() / 1000.0);
            }
            data.addSeries(series);
        }
        JFreeChart chart = ChartFactory.createXYLineChart("Test accuracy vs training time",
                "training time (s, evaluation excluded)", "test accuracy", data, PlotOrientation.VERTICAL,
                true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < lines.size(); i++) {
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        plot.setRenderer(renderer);
        ValueMarker rule = new ValueMarker(target, Color.DARK_GRAY, new BasicStroke(1f, BasicStroke.CAP_BUTT,
                BasicStroke.JOIN_MITER, 1f, new float[]{6f, 4f}, 0f));
        rule.setLabel(String.format(Locale.ROOT, "target %.3f", target));
        rule.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
        rule.setLabelTextAnchor(TextAnchor.BOTTOM_RIGHT);
        plot.addRangeMarker(rule);
        double pad = Math.max(0.01, (high - low) * 0.1);
        plot.getRangeAxis().setRange(Math.max(0, low - pad), Math.min(1, high + pad));
        plot.getDomainAxis().setRange(0, right > 0 ? right * 1.05 : 1);
        try {
            ChartUtils.saveChartAsPNG(png.toFile(), chart, WIDTH, HEIGHT);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the chart " + png + " failed", e);
        }
    }
}
