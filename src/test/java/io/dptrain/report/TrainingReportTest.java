package io.dptrain.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.dptrain.RoundMetrics;
import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Tag("unit")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TrainingReportTest {

    private static final int EPOCHS = 3;
    private static final int ROUNDS_PER_EPOCH = 50;

    /** A run of 3 epochs x 50 rounds: falling loss, round times with every part non-zero. */
    private static List<RoundMetrics> rounds() {
        List<RoundMetrics> rounds = new ArrayList<>();
        for (int r = 1; r <= EPOCHS * ROUNDS_PER_EPOCH; r++) {
            long compute = 300 + (r * 37) % 90;
            long broadcast = 20 + r % 7;
            long wait = 60 + (r * 13) % 40;
            long combine = 10 + r % 5;
            rounds.add(new RoundMetrics(r, (r - 1) / ROUNDS_PER_EPOCH + 1, 2.3 / Math.sqrt(r) + 0.01 * (r % 3),
                    r % ROUNDS_PER_EPOCH == 0 ? 100 : 128, compute, compute - 20.5, broadcast, wait, combine,
                    1_000_000, 2_000_000, compute + broadcast + wait + combine));
        }
        return rounds;
    }

    private static final List<EpochEvaluation.Point> POINTS = List.of(new EpochEvaluation.Point(1, 0.61, 25_000),
            new EpochEvaluation.Point(2, 0.6875, 50_500), new EpochEvaluation.Point(3, 0.7, 76_123));

    private static Provenance provenance(String... overrides) {
        DptrainConfig config = ConfigLoader.load(null, List.of(overrides));
        return Provenance.of(config, "local[2]", 2, 6350, 10, EvaluationReport.of(KnownEvaluation.of(3)), POINTS,
                76_123, 81_500, 83.4);
    }

    private static TrainingReport report() {
        return new TrainingReport(rounds(), POINTS, EvaluationReport.of(KnownEvaluation.of(3)));
    }

    /** The rows of a two-column table (th name, first td value element) by name. */
    private static Map<String, Element> namedValues(Document doc, String tableId) {
        Map<String, Element> values = new LinkedHashMap<>();
        for (Element row : doc.select("#" + tableId + " tr")) {
            values.put(row.selectFirst("th").text(), row.selectFirst("td"));
        }
        return values;
    }

    private static double exact(Element cell) {
        return Double.parseDouble(cell.selectFirst(".num").attr("data-value"));
    }

    @Test
    void htmlParsesWithTheHeadlineNumbersOfItsInputs() {
        List<RoundMetrics> rounds = rounds();
        String html = report().toHtml(provenance("model.preset=mlp", "engine.mode=gradient-averaging"));

        Document doc = Jsoup.parse(html);

        assertThat(doc.title()).isEqualTo("dptrain run: mlp, gradient-averaging");
        Map<String, Element> headline = namedValues(doc, "headline");
        assertThat(headline.keySet()).containsExactly("test accuracy", "macro F1", "examples/s", "training time",
                "wall time", "engine", "workers", "rounds", "final training loss");
        assertThat(exact(headline.get("test accuracy"))).isEqualTo(0.7);
        assertThat(headline.get("test accuracy").text()).isEqualTo("0.7000");
        assertThat(exact(headline.get("examples/s"))).isEqualTo(83.4);
        assertThat(exact(headline.get("training time"))).isEqualTo(76.123);
        assertThat(exact(headline.get("wall time"))).isEqualTo(81.5);
        assertThat(headline.get("engine").text()).isEqualTo("gradient-averaging");
        assertThat(exact(headline.get("workers"))).isEqualTo(2);
        assertThat(exact(headline.get("rounds"))).isEqualTo(rounds.size());
        assertThat(exact(headline.get("final training loss"))).isEqualTo(rounds.get(rounds.size() - 1).loss());
    }

    @Test
    void epochAndClassTablesHoldEveryInput() {
        List<RoundMetrics> rounds = rounds();
        Document doc = Jsoup.parse(report().toHtml(provenance()));

        List<Element> epochRows = doc.select("#epochs tbody tr");
        assertThat(epochRows).hasSize(EPOCHS);
        for (int e = 0; e < EPOCHS; e++) {
            List<Element> cells = epochRows.get(e).select("td");
            int epoch = e + 1;
            List<RoundMetrics> ofEpoch = rounds.stream().filter(m -> m.epoch() == epoch).toList();
            double loss = ofEpoch.stream().mapToDouble(m -> m.loss() * m.examples()).sum()
                    / ofEpoch.stream().mapToLong(RoundMetrics::examples).sum();
            assertThat(exact(cells.get(0))).isEqualTo(epoch);
            assertThat(exact(cells.get(1))).isEqualTo(POINTS.get(e).accuracy());
            assertThat(exact(cells.get(2))).isEqualTo(POINTS.get(e).trainMillis() / 1000.0);
            assertThat(exact(cells.get(3))).isEqualTo(ROUNDS_PER_EPOCH);
            assertThat(exact(cells.get(4))).isCloseTo(loss, within(1e-12));
        }
        assertThat(epochRows.get(1).select("td").get(1).text()).isEqualTo("0.6875");

        List<Element> classRows = doc.select("#classes tbody tr");
        assertThat(classRows).hasSize(3);
        // KnownEvaluation: recall 3/4, 1/2, 1; support 4, 4, 2.
        assertThat(exact(classRows.get(1).select("td").get(2))).isEqualTo(0.5);
        assertThat(classRows.stream().map(r -> r.select("td").get(4).text())).containsExactly("4", "4", "2");
    }

    @Test
    void settingsListEveryKeyAndMarkTheChangedOnes() {
        Document doc = Jsoup.parse(report().toHtml(provenance("train.learning-rate=0.05", "engine.workers=2")));

        List<Element> rows = doc.select("#settings tbody tr");
        assertThat(rows.stream().map(r -> r.selectFirst("td").text())).containsExactlyElementsOf(ConfigLoader.knownKeys());
        assertThat(rows.stream().filter(r -> r.hasClass("changed")).map(r -> r.select("td").eachText()))
                .containsExactlyInAnyOrder(List.of("dptrain.train.learning-rate", "0.05", "0.001"),
                        List.of("dptrain.engine.workers", "2", "0"));
        Map<String, Element> provenance = namedValues(doc, "provenance");
        assertThat(provenance.get("spark master").text()).isEqualTo("local[2]");
        assertThat(provenance.get("versions").text()).contains("dl4j 1.0.0-M2", "spark 3.5.7");
    }

    @Test
    void everyChartIsEmbeddedAsAPngOfItsStatedSize() throws IOException {
        Document doc = Jsoup.parse(report().toHtml(provenance()));

        for (TrainingReport.Chart chart : TrainingReport.Chart.values()) {
            Element img = doc.selectFirst("#chart-" + chart.id() + " img");
            assertThat(img).as(chart.id()).isNotNull();
            String src = img.attr("src");
            assertThat(src).startsWith("data:image/png;base64,");
            BufferedImage png = ImageIO.read(new ByteArrayInputStream(
                    Base64.getDecoder().decode(src.substring("data:image/png;base64,".length()))));
            assertThat(png).as(chart.id()).isNotNull();
            assertThat(png.getWidth()).isEqualTo(chart.width()).isEqualTo(Integer.parseInt(img.attr("width")));
            assertThat(png.getHeight()).isEqualTo(chart.height()).isEqualTo(Integer.parseInt(img.attr("height")));
            assertThat(img.attr("alt")).isEqualTo(chart.title());
        }
    }

    @Test
    void eachChartAloneIsADecodablePngOfTheAskedSize() throws IOException {
        TrainingReport report = report();

        for (TrainingReport.Chart chart : TrainingReport.Chart.values()) {
            BufferedImage png = ImageIO.read(new ByteArrayInputStream(report.png(chart, 640, 360)));
            assertThat(png).as(chart.id()).isNotNull();
            assertThat(png.getWidth()).isEqualTo(640);
            assertThat(png.getHeight()).isEqualTo(360);
            BufferedImage image = report.image(chart, 300, 500);
            assertThat(image.getWidth()).isEqualTo(300);
            assertThat(image.getHeight()).isEqualTo(500);
        }
    }

    @Test
    void tooSmallAChartIsRefusedNamingTheSize() {
        assertThatThrownBy(() -> report().png(TrainingReport.Chart.LOSS, 120, 400))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("loss", "120x400", String.valueOf(TrainingReport.MIN_SIZE));
    }

    @Test
    void aRunWithoutRoundsOrEpochsStillRendersEveryChart() throws IOException {
        TrainingReport empty = new TrainingReport(List.of(), List.of(), EvaluationReport.of(KnownEvaluation.of(3)));

        Document doc = Jsoup.parse(empty.toHtml(provenance()));

        assertThat(doc.select("figure img")).hasSize(TrainingReport.Chart.values().length);
        assertThat(namedValues(doc, "headline").get("final training loss").text()).isEqualTo("none");
        assertThat(doc.select("#epochs tbody tr")).isEmpty();
        for (TrainingReport.Chart chart : TrainingReport.Chart.values()) {
            assertThat(ImageIO.read(new ByteArrayInputStream(empty.png(chart, 400, 300)))).as(chart.id()).isNotNull();
        }
    }

    @Test
    void textFromTheConfigurationIsEscaped() {
        String dir = "/tmp/<script>alert('x')</script> & \"runs\"";
        String html = report().toHtml(provenance("output.dir=\"" + dir.replace("\"", "\\\"") + "\""));

        Document doc = Jsoup.parse(html);

        assertThat(html).doesNotContain("<script>");
        assertThat(doc.select("script")).isEmpty();
        assertThat(doc.selectFirst(".sub").text()).startsWith(dir);
        assertThat(doc.select("#settings td").eachText()).contains(dir);
    }
}
