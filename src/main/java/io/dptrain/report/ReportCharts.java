package io.dptrain.report;

import io.dptrain.RoundMetrics;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.labels.StandardXYItemLabelGenerator;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.xy.StackedXYBarRenderer;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.DefaultTableXYDataset;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.text.DecimalFormat;
import java.util.List;
import java.util.Locale;

/** The JFreeChart charts of a {@link TrainingReport}, one method per {@link TrainingReport.Chart}. */
final class ReportCharts {
    private static final Color BLUE = new Color(31, 119, 180);
    private static final Color LIGHT_BLUE = new Color(31, 119, 180, 90);
    private static final Color ORANGE = new Color(255, 127, 14);
    private static final Color GRAY = new Color(150, 150, 150);
    private static final Color GREEN = new Color(44, 160, 44);
    private static final BasicStroke DASHED = new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f,
            new float[]{4f, 4f}, 0f);
    /** Above this many epochs the epoch boundaries are drawn without labels, which would overlap. */
    private static final int LABELLED_EPOCHS = 12;
    /** Above this many classes the confusion cells carry no counts, which would not fit. */
    private static final int ANNOTATED_CLASSES = 20;

    private ReportCharts() {
    }

    /** Per-round loss (faint) and its moving average, which is what one reads the trend from. */
    static JFreeChart loss(List<RoundMetrics> rounds) {
        XYSeries perRound = new XYSeries("loss of each round (mean over its examples)", false, true);
        for (RoundMetrics m : rounds) {
            perRound.add(m.round(), Double.isFinite(m.loss()) ? m.loss() : null);
        }
        JFreeChart chart = perRound(TrainingReport.Chart.LOSS, "training loss", perRound, rounds);
        ((NumberAxis) chart.getXYPlot().getRangeAxis()).setAutoRangeIncludesZero(false);
        return chart;
    }

    /** Test accuracy after each epoch, each point labelled with its value. */
    static JFreeChart accuracy(List<EpochEvaluation.Point> epochs) {
        XYSeries series = new XYSeries("test accuracy after the epoch", false, true);
        double low = 1;
        double high = 0;
        for (EpochEvaluation.Point p : epochs) {
            series.add(p.epoch(), p.accuracy());
            low = Math.min(low, p.accuracy());
            high = Math.max(high, p.accuracy());
        }
        JFreeChart chart = ChartFactory.createXYLineChart(TrainingReport.Chart.ACCURACY.title(), "epoch",
                "test accuracy", new XYSeriesCollection(series), PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = style(chart, "no epoch was evaluated in this run");
        XYLineAndShapeRenderer renderer = lines(plot, true);
        renderer.setDefaultItemLabelGenerator(new StandardXYItemLabelGenerator("{2}", new DecimalFormat("0"),
                new DecimalFormat("0.0000")));
        renderer.setDefaultItemLabelsVisible(epochs.size() <= 2 * LABELLED_EPOCHS);
        if (!epochs.isEmpty()) {
            double pad = Math.max(0.01, (high - low) * 0.15);
            plot.getRangeAxis().setRange(Math.max(0, low - pad), Math.min(1, high + pad));
            plot.getDomainAxis().setRange(epochs.get(0).epoch() - 0.5, epochs.get(epochs.size() - 1).epoch() + 0.5);
        }
        plot.getDomainAxis().setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        return chart;
    }

    /**
     * Examples per second of each round (examples over the round's wall time) and the run's rate over
     * all rounds as a rule. Rounds that took 0 ms (a single-process step under the clock's resolution)
     * have no rate and leave a gap.
     */
    static JFreeChart throughput(List<RoundMetrics> rounds) {
        XYSeries perRound = new XYSeries("examples/s of each round", false, true);
        long examples = 0;
        long millis = 0;
        for (RoundMetrics m : rounds) {
            perRound.add(m.round(), m.roundMs() > 0 ? m.examples() * 1000.0 / m.roundMs() : null);
            examples += m.examples();
            millis += m.roundMs();
        }
        JFreeChart chart = perRound(TrainingReport.Chart.THROUGHPUT, "examples per second", perRound, rounds);
        if (millis > 0) {
            // The rule's value goes in a subtitle: as a label on the rule the per-round line would hide it.
            chart.getXYPlot().addRangeMarker(new ValueMarker(examples * 1000.0 / millis, Color.DARK_GRAY, DASHED));
            chart.addSubtitle(subtitle(String.format(Locale.ROOT,
                    "dashed: all rounds together, %.1f examples/s (examples over the rounds' wall time)",
                    examples * 1000.0 / millis)));
        }
        return chart;
    }

    /** A value per round, with its moving average on runs long enough to be noisy. */
    private static JFreeChart perRound(TrainingReport.Chart which, String valueLabel, XYSeries perRound,
                                       List<RoundMetrics> rounds) {
        XYSeriesCollection data = new XYSeriesCollection(perRound);
        int window = movingAverageWindow(rounds.size());
        if (window > 1) {
            data.addSeries(movingAverage(perRound, window, "moving average of " + window + " rounds"));
        }
        JFreeChart chart = ChartFactory.createXYLineChart(which.title(), "round", valueLabel, data,
                PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = style(chart, "no rounds were run");
        lines(plot, false);
        roundAxis(plot, rounds);
        return chart;
    }

    /**
     * The round's wall time stacked from its parts: the slowest worker's compute, broadcast, wait and
     * combine. {@link RoundMetrics#waitMs()} is defined as the rest, so each stack is the round's time.
     */
    static JFreeChart roundTime(List<RoundMetrics> rounds) {
        XYSeries compute = new XYSeries("compute (slowest worker)", false, false);
        XYSeries broadcast = new XYSeries("broadcast", false, false);
        XYSeries wait = new XYSeries("wait (scheduling, task start, results)", false, false);
        XYSeries combine = new XYSeries("combine", false, false);
        for (RoundMetrics m : rounds) {
            compute.add(m.round(), m.computeMsMax());
            broadcast.add(m.round(), m.broadcastMs());
            wait.add(m.round(), m.waitMs());
            combine.add(m.round(), m.combineMs());
        }
        DefaultTableXYDataset data = new DefaultTableXYDataset();
        data.addSeries(compute);
        data.addSeries(broadcast);
        data.addSeries(wait);
        data.addSeries(combine);
        JFreeChart chart = ChartFactory.createXYLineChart(TrainingReport.Chart.ROUND_TIME.title(), "round",
                "milliseconds", data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = style(chart, "no rounds were run");
        StackedXYBarRenderer renderer = new StackedXYBarRenderer(0.0);
        renderer.setBarPainter(new StandardXYBarPainter());
        renderer.setShadowVisible(false);
        renderer.setDrawBarOutline(false);
        Color[] colors = {BLUE, ORANGE, GRAY, GREEN};
        for (int i = 0; i < colors.length; i++) {
            renderer.setSeriesPaint(i, colors[i]);
        }
        plot.setRenderer(renderer);
        roundAxis(plot, rounds);
        return chart;
    }

    /**
     * The confusion matrix as a heat map: rows the actual class (top to bottom), columns the predicted
     * one; a cell's colour is its share of the actual class (so classes of different sizes compare),
     * its number the count.
     */
    static JFreeChart confusion(EvaluationReport test) {
        int[][] confusion = test.confusion();
        int n = confusion.length;
        double[][] cells = new double[3][n * n];
        for (int actual = 0; actual < n; actual++) {
            int support = 0;
            for (int count : confusion[actual]) {
                support += count;
            }
            for (int predicted = 0; predicted < n; predicted++) {
                int i = actual * n + predicted;
                cells[0][i] = predicted;
                cells[1][i] = actual;
                cells[2][i] = support == 0 ? 0 : confusion[actual][predicted] / (double) support;
            }
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("share of the actual class", cells);
        String[] labels = new String[n];
        for (int c = 0; c < n; c++) {
            labels[c] = Integer.toString(c);
        }
        SymbolAxis predicted = new SymbolAxis("predicted class", labels);
        SymbolAxis actual = new SymbolAxis("actual class", labels);
        predicted.setGridBandsVisible(false);
        actual.setGridBandsVisible(false);
        actual.setInverted(true);
        XYBlockRenderer renderer = new XYBlockRenderer();
        BlueScale scale = new BlueScale();
        renderer.setPaintScale(scale);
        XYPlot plot = new XYPlot(data, predicted, actual, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        plot.setNoDataMessage("no test examples were evaluated");
        if (n > 0 && n <= ANNOTATED_CLASSES) {
            Font font = new Font(Font.SANS_SERIF, Font.PLAIN, n <= 10 ? 12 : 9);
            for (int a = 0; a < n; a++) {
                for (int p = 0; p < n; p++) {
                    XYTextAnnotation count = new XYTextAnnotation(Integer.toString(confusion[a][p]), p, a);
                    count.setFont(font);
                    count.setPaint(cells[2][a * n + p] > 0.5 ? Color.WHITE : Color.BLACK);
                    plot.addAnnotation(count);
                }
            }
        }
        JFreeChart chart = new JFreeChart(TrainingReport.Chart.CONFUSION.title(), JFreeChart.DEFAULT_TITLE_FONT,
                plot, false);
        chart.setBackgroundPaint(Color.WHITE);
        chart.addSubtitle(subtitle(String.format(Locale.ROOT,
                "test accuracy %.4f on %d examples; colour: share of the row's actual class, number: count",
                test.accuracy(), test.examples())));
        NumberAxis shareAxis = new NumberAxis("share of the actual class");
        shareAxis.setRange(0, 1);
        PaintScaleLegend legend = new PaintScaleLegend(scale, shareAxis);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setMargin(new RectangleInsets(30, 10, 30, 10));
        legend.setStripWidth(14);
        chart.addSubtitle(legend);
        return chart;
    }

    /** White from share 0 to dark blue at share 1. */
    private static final class BlueScale implements PaintScale {
        @Override
        public double getLowerBound() {
            return 0;
        }

        @Override
        public double getUpperBound() {
            return 1;
        }

        @Override
        public Paint getPaint(double value) {
            double t = Double.isFinite(value) ? Math.max(0, Math.min(1, value)) : 0;
            return new Color((int) Math.round(255 + (8 - 255) * t), (int) Math.round(255 + (48 - 255) * t),
                    (int) Math.round(255 + (107 - 255) * t));
        }
    }

    private static TextTitle subtitle(String text) {
        return new TextTitle(text, new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    }

    private static XYPlot style(JFreeChart chart, String noData) {
        chart.setBackgroundPaint(Color.WHITE);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setNoDataMessage(noData);
        return plot;
    }

    /**
     * Blue lines: a lone series solid; with a moving average (the second series) the raw values faint
     * and thin, the average solid.
     */
    private static XYLineAndShapeRenderer lines(XYPlot plot, boolean shapes) {
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, shapes);
        boolean smoothed = plot.getDataset().getSeriesCount() > 1;
        renderer.setSeriesPaint(0, smoothed ? LIGHT_BLUE : BLUE);
        renderer.setSeriesStroke(0, new BasicStroke(smoothed ? 1f : 2f));
        renderer.setSeriesPaint(1, BLUE);
        renderer.setSeriesStroke(1, new BasicStroke(2f));
        plot.setRenderer(renderer);
        return renderer;
    }

    /** Integer round ticks and a dashed rule where each epoch after the first begins. */
    private static void roundAxis(XYPlot plot, List<RoundMetrics> rounds) {
        plot.getDomainAxis().setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        if (rounds.isEmpty()) {
            return;
        }
        plot.getDomainAxis().setRange(rounds.get(0).round() - 0.5, rounds.get(rounds.size() - 1).round() + 0.5);
        int epochs = rounds.get(rounds.size() - 1).epoch() - rounds.get(0).epoch() + 1;
        for (int i = 1; i < rounds.size(); i++) {
            if (rounds.get(i).epoch() != rounds.get(i - 1).epoch()) {
                ValueMarker start = new ValueMarker(rounds.get(i).round() - 0.5, Color.GRAY, DASHED);
                if (epochs <= LABELLED_EPOCHS) {
                    start.setLabel("epoch " + rounds.get(i).epoch());
                    start.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
                    start.setLabelTextAnchor(TextAnchor.TOP_LEFT);
                }
                plot.addDomainMarker(start);
            }
        }
    }

    /** About 40 points of smoothing across the run; 1 (none) for runs too short to need it. */
    private static int movingAverageWindow(int rounds) {
        return rounds < 40 ? 1 : Math.min(100, rounds / 40);
    }

    /** Mean of the last {@code window} defined values at each round (fewer at the start). */
    private static XYSeries movingAverage(XYSeries values, int window, String name) {
        XYSeries mean = new XYSeries(name, false, true);
        double[] recent = new double[window];
        int filled = 0;
        int next = 0;
        double sum = 0;
        for (int i = 0; i < values.getItemCount(); i++) {
            Number y = values.getY(i);
            if (y == null) {
                mean.add(values.getX(i), null);
                continue;
            }
            if (filled == window) {
                sum -= recent[next];
            } else {
                filled++;
            }
            recent[next] = y.doubleValue();
            sum += recent[next];
            next = (next + 1) % window;
            mean.add(values.getX(i).doubleValue(), sum / filled);
        }
        return mean;
    }
}
