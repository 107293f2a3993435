package io.dptrain.report;

import io.dptrain.RoundMetrics;
import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A training run as one page ({@code report.html} in a run's folder), self-contained (the charts are PNG data URIs),
 * with the headline numbers, the charts, test accuracy per epoch, per-class metrics, every setting
 * and the provenance. Each chart is also available alone ({@link #image}, {@link #png}) so a
 * notebook can show the same pictures inline.
 *
 * <p>Built from what a run has anyway: its rounds (as in metrics.jsonl), the test accuracy after each
 * epoch and the final test evaluation; {@link #toHtml(Provenance)} adds the run's provenance.
 * Numbers in the page carry their exact value in a {@code data-value} attribute next to the rounded
 * text, so a script (or a test) can read them back.
 */
public final class TrainingReport {
    /** Smallest width or height of a chart, in pixels; below it titles and axes no longer fit. */
    public static final int MIN_SIZE = 200;

    static {
        // No display is needed to draw into an image; without this AWT may look for one and fail.
        System.setProperty("java.awt.headless", "true");
    }

    /** The charts of a report, each with the size report.html draws it at. */
    public enum Chart {
        /** Training loss per round, with a moving average on longer runs. */
        LOSS("loss", "Training loss per round", 900, 420),
        /** Test accuracy after each epoch. */
        ACCURACY("accuracy", "Test accuracy per epoch", 900, 420),
        /** Examples per second of each round and of the whole run. */
        THROUGHPUT("throughput", "Examples per second per round", 900, 420),
        /** Each round's time stacked: slowest worker's compute, broadcast, wait, combine. */
        ROUND_TIME("round-time", "Where each round's time went", 900, 420),
        /** The final test confusion matrix as a heat map. */
        CONFUSION("confusion", "Confusion matrix of the test set", 760, 680);

        private final String id;
        private final String title;
        private final int width;
        private final int height;

        Chart(String id, String title, int width, int height) {
            this.id = id;
            this.title = title;
            this.width = width;
            this.height = height;
        }

        /** Short name, used as the chart's HTML id ({@code chart-loss}). */
        public String id() {
            return id;
        }

        public String title() {
            return title;
        }

        /** Width in pixels in report.html. */
        public int width() {
            return width;
        }

        /** Height in pixels in report.html. */
        public int height() {
            return height;
        }
    }

    private final List<RoundMetrics> rounds;
    private final List<EpochEvaluation.Point> epochs;
    private final EvaluationReport test;

    /**
     * @param rounds every round of the run in order (a resumed run's earlier rounds included)
     * @param epochs test accuracy after each epoch this run evaluated (may be empty)
     * @param test   the final test evaluation
     */
    public TrainingReport(List<RoundMetrics> rounds, List<EpochEvaluation.Point> epochs, EvaluationReport test) {
        this.rounds = List.copyOf(rounds);
        this.epochs = List.copyOf(epochs);
        this.test = Objects.requireNonNull(test, "test");
    }

    /** The chart drawn into an image of {@code width} x {@code height} pixels (each at least {@link #MIN_SIZE}). */
    public BufferedImage image(Chart chart, int width, int height) {
        if (width < MIN_SIZE || height < MIN_SIZE) {
            throw new IllegalArgumentException("chart " + chart.id() + ": size " + width + "x" + height
                    + " is too small; width and height must be at least " + MIN_SIZE + " pixels");
        }
        return chart(chart).createBufferedImage(width, height);
    }

    /** The chart as PNG bytes of {@code width} x {@code height} pixels. */
    public byte[] png(Chart chart, int width, int height) {
        try {
            return ChartUtils.encodeAsPNG(image(chart, width, height));
        } catch (IOException e) {
            throw new UncheckedIOException("encoding the chart " + chart.id() + " as PNG failed", e);
        }
    }

    private JFreeChart chart(Chart chart) {
        return switch (chart) {
            case LOSS -> ReportCharts.loss(rounds);
            case ACCURACY -> ReportCharts.accuracy(epochs);
            case THROUGHPUT -> ReportCharts.throughput(rounds);
            case ROUND_TIME -> ReportCharts.roundTime(rounds);
            case CONFUSION -> ReportCharts.confusion(test);
        };
    }

    /** The whole page: headline numbers, every chart at its stated size, the tables and the provenance. */
    public String toHtml(Provenance provenance) {
        DptrainConfig config = provenance.config();
        String title = "dptrain run: " + config.model().preset().configName() + ", "
                + config.engine().mode().configName();
        StringBuilder h = new StringBuilder(1 << 20);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
                .append(escape(title)).append("</title>\n<style>\n").append(STYLE).append("</style>\n</head>\n<body>\n");
        h.append("<h1>").append(escape(title)).append("</h1>\n<p class=\"sub\">")
                .append(escape(config.output().dir())).append(" &middot; finished ")
                .append(escape(provenance.createdAt())).append("</p>\n");
        headline(h, provenance);
        h.append("<h2>Charts</h2>\n");
        for (Chart chart : Chart.values()) {
            h.append("<figure id=\"chart-").append(chart.id()).append("\"><img src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(png(chart, chart.width(), chart.height())))
                    .append("\" width=\"").append(chart.width()).append("\" height=\"").append(chart.height())
                    .append("\" alt=\"").append(escape(chart.title())).append("\"></figure>\n");
        }
        epochTable(h);
        classTable(h);
        settingsTable(h, config);
        provenanceTable(h, provenance);
        h.append("</body>\n</html>\n");
        return h.toString();
    }

    private void headline(StringBuilder h, Provenance p) {
        h.append("<h2>Headline</h2>\n<table id=\"headline\">\n");
        row(h, "test accuracy", number(test.accuracy(), "%.4f"),
                "on " + test.examples() + " test examples");
        row(h, "macro F1", number(test.macroF1(), "%.4f"), "mean F1 over the classes");
        row(h, "examples/s", number(p.examplesPerSecond(), "%.1f"), "training examples per second of training time");
        row(h, "training time", number(p.trainMillis() / 1000.0, "%.1f"), "seconds in the training loop");
        row(h, "wall time", number(p.wallMillis() / 1000.0, "%.1f"), "seconds for the whole run");
        row(h, "engine", escape(p.config().engine().mode().configName()), "");
        row(h, "workers", number(p.workers(), "%.0f"), "replicas training in parallel");
        row(h, "rounds", number(rounds.size(), "%.0f"),
                rounds.isEmpty() ? "" : "in " + epochsRun() + (epochsRun() == 1 ? " epoch" : " epochs"));
        RoundMetrics last = rounds.isEmpty() ? null : rounds.get(rounds.size() - 1);
        row(h, "final training loss", last == null ? escape("none") : number(last.loss(), "%.4f"),
                last == null ? "" : "loss of round " + last.round());
        h.append("</table>\n");
    }

    /** Epochs the rounds span (a resumed run's earlier epochs included). */
    private int epochsRun() {
        return rounds.get(rounds.size() - 1).epoch() - rounds.get(0).epoch() + 1;
    }

    private void epochTable(StringBuilder h) {
        h.append("<h2>Test accuracy per epoch</h2>\n<table id=\"epochs\">\n<thead><tr><th>epoch</th><th>test accuracy"
                + "</th><th>training time (s)</th><th>rounds</th><th>training loss (mean over examples)</th></tr>"
                + "</thead>\n<tbody>\n");
        for (EpochEvaluation.Point p : epochs) {
            List<RoundMetrics> ofEpoch = rounds.stream().filter(m -> m.epoch() == p.epoch()).toList();
            double weighted = 0;
            long examples = 0;
            for (RoundMetrics m : ofEpoch) {
                if (Double.isFinite(m.loss())) {
                    weighted += m.loss() * m.examples();
                    examples += m.examples();
                }
            }
            h.append("<tr>").append(cell(number(p.epoch(), "%.0f"))).append(cell(number(p.accuracy(), "%.4f")))
                    .append(cell(number(p.trainMillis() / 1000.0, "%.1f")))
                    .append(cell(number(ofEpoch.size(), "%.0f")))
                    .append(cell(examples == 0 ? escape("none") : number(weighted / examples, "%.4f")))
                    .append("</tr>\n");
        }
        h.append("</tbody>\n</table>\n");
    }

    private void classTable(StringBuilder h) {
        h.append("<h2>Per-class metrics (test set)</h2>\n<table id=\"classes\">\n<thead><tr><th>class</th>"
                + "<th>precision</th><th>recall</th><th>F1</th><th>support</th></tr></thead>\n<tbody>\n");
        for (EvaluationReport.ClassMetrics c : test.classes()) {
            h.append("<tr>").append(cell(number(c.label(), "%.0f"))).append(cell(number(c.precision(), "%.4f")))
                    .append(cell(number(c.recall(), "%.4f"))).append(cell(number(c.f1(), "%.4f")))
                    .append(cell(number(c.support(), "%.0f"))).append("</tr>\n");
        }
        h.append("</tbody>\n</table>\n");
    }

    /** Every key with its value; keys whose value differs from reference.conf are marked. */
    private static void settingsTable(StringBuilder h, DptrainConfig config) {
        Map<String, String> defaults = ConfigLoader.defaults().settings();
        h.append("<h2>Settings</h2>\n<p>Values that differ from the defaults are <span class=\"changed\">marked"
                + "</span>.</p>\n<table id=\"settings\">\n<thead><tr><th>key</th><th>value</th><th>default</th></tr>"
                + "</thead>\n<tbody>\n");
        for (Map.Entry<String, String> s : config.settings().entrySet()) {
            String fallback = defaults.get(s.getKey());
            boolean changed = !s.getValue().equals(fallback);
            h.append(changed ? "<tr class=\"changed\">" : "<tr>").append("<td><code>").append(escape(s.getKey()))
                    .append("</code></td><td>").append(escape(s.getValue())).append("</td><td>")
                    .append(changed ? escape(fallback) : "").append("</td></tr>\n");
        }
        h.append("</tbody>\n</table>\n");
    }

    private static void provenanceTable(StringBuilder h, Provenance p) {
        h.append("<h2>Provenance</h2>\n<table id=\"provenance\">\n");
        row(h, "finished", escape(p.createdAt()), "");
        row(h, "spark master", escape(p.sparkMaster()), "the master the run's session used");
        row(h, "training data", escape(p.trainData()), p.trainRows() + " rows trained on");
        row(h, "test data", escape(p.testData()), p.testRows() + " rows evaluated");
        row(h, "seed", escape(Long.toString(p.seed())), "");
        List<String> versions = new ArrayList<>();
        p.versions().forEach((k, v) -> versions.add(k + " " + v));
        row(h, "versions", escape(String.join(", ", versions)), "");
        h.append("</table>\n");
    }

    private static void row(StringBuilder h, String name, String valueCell, String note) {
        h.append("<tr><th>").append(escape(name)).append("</th>").append(cell(valueCell)).append("<td class=\"note\">")
                .append(escape(note)).append("</td></tr>\n");
    }

    private static String cell(String content) {
        return "<td>" + content + "</td>";
    }

    /** A rounded number with its exact value in data-value; a non-finite value reads as such. */
    private static String number(double value, String format) {
        return "<span class=\"num\" data-value=\"" + value + "\">"
                + escape(Double.isFinite(value) ? String.format(Locale.ROOT, format, value) : Double.toString(value))
                + "</span>";
    }

    /** Escapes the characters with a meaning in HTML text and attribute values. */
    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static final String STYLE = """
            body { font-family: sans-serif; margin: 2em auto; max-width: 960px; color: #222; }
            h1 { margin-bottom: 0.2em; }
            .sub, .note { color: #666; }
            table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
            th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.8em; text-align: left; }
            .num { font-variant-numeric: tabular-nums; }
            #epochs td, #classes td { text-align: right; }
            tr.changed td, span.changed { background: #fff3c4; }
            figure { margin: 1em 0; }
            img { max-width: 100%; height: auto; border: 1px solid #eee; }
            """;
}
