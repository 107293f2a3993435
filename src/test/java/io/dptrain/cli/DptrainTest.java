package io.dptrain.cli;

import static io.dptrain.cli.CommandOutcome.dptrain;
import static org.assertj.core.api.Assertions.assertThat;

import io.dptrain.LocalSparkTest;
import io.dptrain.LogLines;
import io.dptrain.RoundMetrics;
import io.dptrain.data.Fixtures;
import io.dptrain.data.ImageShape;
import io.dptrain.data.ImageTable;
import io.dptrain.json.MetricsLines;
import io.dptrain.report.EpochEvaluation;
import io.dptrain.report.Provenance;
import io.dptrain.io.RunOutput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line end to end on the committed fixture: prepare both tables, train a tiny mlp for
 * one epoch on 256 images (its report.html included, and once without), evaluate the saved model,
 * and the exit codes of bad usage. The commands
 * reuse the shared test session (SparkSessions.get calls getOrCreate).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DptrainTest extends LocalSparkTest {

    @TempDir
    static Path shared;

    @TempDir
    Path tmp;

    private static CommandOutcome prepared;
    private static CommandOutcome trained;
    private static String trainTable;
    private static String testTable;
    private static Path runDir;

    /** The run's provenance.json, read back as the record it was written from. */
    private static Provenance provenance() throws IOException {
        return Provenance.fromJson(Files.readString(runDir.resolve(RunOutput.PROVENANCE)), "provenance.json");
    }

    /** Prepares the fixture tables and trains one tiny run that the tests below look at. */
    @BeforeAll
    static void prepareAndTrain() throws IOException {
        spark();
        Path prepareOut = shared.resolve("prepared");
        prepared = dptrain("prepare", "fashion-mnist", "--source", Fixtures.fashionMnistMini().toString(), "--out",
                prepareOut.toString(), "--master", "local[2]");
        trainTable = prepareOut.resolve("fashion-mnist-train.parquet").toString();
        testTable = prepareOut.resolve("fashion-mnist-test.parquet").toString();
        runDir = shared.resolve("run");
        Path conf = Files.writeString(shared.resolve("tiny.conf"), String.join("\n",
                "dptrain {",
                "  data { train = \"" + trainTable + "\", test = \"" + testTable + "\", train-limit = 256 }",
                "  model { preset = mlp, mlp.hidden = [16] }",
                "  train { epochs = 1, batch-size = 32 }",
                "  engine.mode = single-process",
                "  spark.master = \"local[2]\"",
                "  output.dir = \"" + runDir + "\"",
                "}"));
        trained = prepared.code() == 0 ? dptrain("train", "--conf", conf.toString(), "--set",
                "train.learning-rate=0.01", "--set", "train.progress-every=0") : null;
    }

    @Test
    void prepareFashionMnistWritesBothTables() {
        assertThat(prepared.code()).as(prepared.toString()).isZero();
        assertThat(prepared.out()).contains("prepared 600 train images", "prepared 200 test images");
        Dataset<Row> train = ImageTable.read(spark(), trainTable);
        Dataset<Row> test = ImageTable.read(spark(), testTable);
        assertThat(train.count()).isEqualTo(600);
        assertThat(test.count()).isEqualTo(200);
        assertThat(ImageTable.shapeOf(train)).isEqualTo(new ImageShape(28, 28, 1, 10));
        assertThat(ImageTable.collect(test).labels()).containsExactlyInAnyOrder(Fixtures.test().labels());
    }

    @Test
    void describePrintsTheRowsAndShapeOfATable() {
        CommandOutcome described = dptrain("describe", trainTable, "--master", "local[2]");

        assertThat(described.code()).as(described.toString()).isZero();
        assertThat(described.out().lines()).containsExactly("rows=600", "kind=image", "height=28", "width=28",
                "channels=1", "classes=10");
        CommandOutcome missing = dptrain("describe", shared.resolve("no-such-table").toString());
        assertThat(missing.code()).as(missing.toString()).isEqualTo(2);
        assertThat(missing.err()).contains("cannot read a prepared table at " + shared.resolve("no-such-table"));
    }

    private static Path csv(Path dir, String... rows) throws IOException {
        StringBuilder s = new StringBuilder("label");
        for (int i = 1; i <= 16; i++) {
            s.append(",pixel").append(i);
        }
        s.append('\n');
        for (String row : rows) {
            s.append(row).append('\n');
        }
        return Files.writeString(dir.resolve("images.csv"), s);
    }

    private static String row(int label, int first) {
        StringBuilder s = new StringBuilder().append(label);
        for (int i = 0; i < 16; i++) {
            s.append(',').append((first + 17 * i) % 256);
        }
        return s.toString();
    }

    @Test
    void prepareTableConvertsAWideCsv() throws IOException {
        Path input = csv(tmp, row(0, 0), row(2, 100), row(1, 250), row(2, 7));
        String out = tmp.resolve("table.parquet").toString();

        CommandOutcome o = dptrain("prepare", "table", "--input", input.toString(), "--height", "4", "--width", "4",
                "--classes", "3", "--out", out, "--master", "local[2]");

        assertThat(o.code()).as(o.toString()).isZero();
        assertThat(o.out()).contains("prepared 4 rows -> " + out);
        Dataset<Row> table = ImageTable.read(spark(), out);
        assertThat(ImageTable.shapeOf(table)).isEqualTo(new ImageShape(4, 4, 1, 3));
        List<String> rows = table.collectAsList().stream()
                .map(r -> r.getInt(0) + ":" + java.util.Arrays.toString(unsigned((byte[]) r.get(1)))).toList();
        assertThat(rows).containsExactlyInAnyOrder(expected(0, 0), expected(2, 100), expected(1, 250), expected(2, 7));
    }

    private static int[] unsigned(byte[] bytes) {
        int[] values = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            values[i] = bytes[i] & 0xFF;
        }
        return values;
    }

    private static String expected(int label, int first) {
        int[] values = new int[16];
        for (int i = 0; i < 16; i++) {
            values[i] = (first + 17 * i) % 256;
        }
        return label + ":" + java.util.Arrays.toString(values);
    }

    @Test
    void prepareTableWithABadLabelIsBadUsage() throws IOException {
        Path input = csv(tmp, row(0, 0), row(7, 100), row(1, 250));
        Path out = tmp.resolve("table.parquet");

        CommandOutcome o = dptrain("prepare", "table", "--input", input.toString(), "--height", "4", "--width", "4",
                "--classes", "3", "--out", out.toString(), "--master", "local[2]");

        assertThat(o.code()).as(o.toString()).isEqualTo(2);
        assertThat(o.err()).contains("dptrain: label column 'label'", "not a class index (a whole number in 0..2)", "7");
        assertThat(out).doesNotExist();
    }

    @Test
    void trainWritesTheRunAndPrintsTheTestAccuracy() throws IOException {
        assertThat(trained).as("training needs the prepared tables: " + prepared).isNotNull();
        assertThat(trained.code()).as(trained.toString()).isZero();
        assertThat(runDir.resolve(RunOutput.MODEL)).isRegularFile();
        List<String> metrics = Files.readAllLines(runDir.resolve(RunOutput.METRICS));
        assertThat(metrics).hasSize(256 / 32);
        Provenance provenance = provenance();
        assertThat(provenance.trainRows()).isEqualTo(256);
        assertThat(provenance.testRows()).isEqualTo(200);
        assertThat(provenance.config().model().preset().configName()).isEqualTo("mlp");
        assertThat(provenance.config().train().learningRate()).isEqualTo(0.01);
        double accuracy = provenance.test().accuracy();
        assertThat(accuracy).as("well above chance (0.1) after 8 steps").isGreaterThan(0.2);
        assertThat(trained.out()).contains(String.format(Locale.ROOT, "test accuracy: %.4f", accuracy))
                .contains("trained mlp (single-process)").contains("model in " + runDir);
    }

    @Test
    void trainWritesAReportWithTheNumbersOfTheRun() throws IOException {
        assertThat(trained).as("training needs the prepared tables: " + prepared).isNotNull();
        assertThat(trained.code()).as(trained.toString()).isZero();
        List<String> lines = Files.readAllLines(runDir.resolve(RunOutput.METRICS));
        RoundMetrics lastRound = MetricsLines.read(lines.get(lines.size() - 1), RunOutput.METRICS).get(0);

        Document report = Jsoup.parse(runDir.resolve(RunOutput.REPORT).toFile(), "UTF-8");

        Map<String, Double> headline = new HashMap<>();
        for (Element row : report.select("#headline tr")) {
            Element number = row.selectFirst("td .num");
            if (number != null) {
                headline.put(row.selectFirst("th").text(), Double.parseDouble(number.attr("data-value")));
            }
        }
        assertThat(headline).containsEntry("rounds", (double) lines.size())
                .containsEntry("final training loss", lastRound.loss())
                .containsEntry("test accuracy", provenance().test().accuracy());
        assertThat(report.select("#epochs tbody tr")).hasSize(1);
        assertThat(report.select("figure img").eachAttr("src")).hasSize(5)
                .allSatisfy(src -> assertThat(src).startsWith("data:image/png;base64,"));
    }

    @Test
    void trainWithoutReportLeavesItOut() throws IOException {
        assertThat(trained).as("training needs the prepared tables: " + prepared).isNotNull();
        Path run = tmp.resolve("run-without-report");

        CommandOutcome o = dptrain("train", "--conf", shared.resolve("tiny.conf").toString(), "--set",
                "output.dir=" + run, "--set", "output.report=false", "--set", "train.progress-every=0");

        assertThat(o.code()).as(o.toString()).isZero();
        assertThat(run.resolve(RunOutput.MODEL)).isRegularFile();
        assertThat(run.resolve(RunOutput.REPORT)).doesNotExist();
    }

    @Test
    void validationRowsAreEvaluatedAfterEachEpochAndTheTestTableOnceAtTheEnd() throws IOException {
        assertThat(trained).as("training needs the prepared tables: " + prepared).isNotNull();
        Path run = tmp.resolve("run-with-validation");

        CommandOutcome[] outcome = new CommandOutcome[1];
        List<String> log = LogLines.of(EpochEvaluation.class, () -> outcome[0] = dptrain("train", "--conf",
                shared.resolve("tiny.conf").toString(), "--set", "output.dir=" + run, "--set",
                "data.validation-rows=100", "--set", "train.epochs=2", "--set", "train.progress-every=0"));
        CommandOutcome o = outcome[0];

        assertThat(o.code()).as(o.toString()).isZero();
        Provenance p = Provenance.fromJson(Files.readString(run.resolve(RunOutput.PROVENANCE)), "provenance.json");
        assertThat(p.trainRows()).isEqualTo(256);
        assertThat(p.config().data().validationRows()).isEqualTo(100);
        assertThat(p.epochs()).hasSize(2);
        assertThat(p.test().examples()).isEqualTo(200);
        assertThat(log).hasSize(2).allSatisfy(line -> assertThat(line).contains(": validation accuracy"));
        assertThat(o.out()).contains(String.format(Locale.ROOT, "test accuracy: %.4f", p.test().accuracy()));
    }

    @Test
    void predictScoresAnImageTableAsEvaluateDoes(@TempDir Path tmp) throws IOException {
        assertThat(trained).as("prediction needs the trained run: " + prepared).isNotNull();
        double trainedAccuracy = provenance().test().accuracy();
        String out = tmp.resolve("predictions.parquet").toString();

        CommandOutcome o = dptrain("predict", "--model", runDir.toString(), "--input", testTable, "--format", "parquet",
                "--label-col", "label", "--out", out, "--master", "local[2]");

        assertThat(o.code()).as(o.toString()).isZero();
        assertThat(o.out()).contains("predicted 200 images", "accuracy: "
                + String.format(Locale.ROOT, "%.4f", trainedAccuracy) + " on 200 labelled images");
        var written = spark().read().parquet(out);
        assertThat(written.columns()).containsExactly("label", "pixels", "prediction", "prediction_index", "prob_0",
                "prob_1", "prob_2", "prob_3", "prob_4", "prob_5", "prob_6", "prob_7", "prob_8", "prob_9");
        assertThat(written.where("cast(label as string) = prediction").count() / 200.0)
                .isEqualTo(trainedAccuracy, org.assertj.core.api.Assertions.within(1e-12));
    }

    @Test
    void evaluatePrintsTheAccuracyOfTheSavedModel() throws IOException {
        assertThat(trained).as("evaluation needs the trained run: " + prepared).isNotNull();
        assertThat(trained.code()).as(trained.toString()).isZero();
        double trainedAccuracy = provenance().test().accuracy();

        CommandOutcome o = dptrain("evaluate", "--model", runDir.toString(), "--data", testTable, "--master", "local[2]");

        assertThat(o.code()).as(o.toString()).isZero();
        Matcher m = Pattern.compile("test accuracy (\\d\\.\\d{4}) on (\\d+) examples").matcher(o.out());
        assertThat(m.find()).as(o.toString()).isTrue();
        assertThat(m.group(2)).isEqualTo("200");
        assertThat(m.group(1)).isEqualTo(String.format(Locale.ROOT, "%.4f", trainedAccuracy));
        assertThat(o.out()).contains("confusion matrix");
    }

    @Test
    void unknownSetKeyIsBadUsageNamingTheKey() {
        CommandOutcome o = dptrain("train", "--set", "train.epochz=2");

        assertThat(o.code()).as(o.toString()).isEqualTo(2);
        assertThat(o.err()).contains("train.epochz");
    }

    @Test
    void overrideWithoutEqualsIsBadUsage() {
        CommandOutcome o = dptrain("train", "--set", "train.epochs");

        assertThat(o.code()).as(o.toString()).isEqualTo(2);
        assertThat(o.err()).contains("train.epochs", "key=value");
    }

    @Test
    void missingConfFileIsBadUsage() {
        Path missing = tmp.resolve("missing.conf");

        CommandOutcome o = dptrain("train", "--conf", missing.toString());

        assertThat(o.code()).as(o.toString()).isEqualTo(2);
        assertThat(o.err()).contains(missing.toString(), "does not exist");
    }

    @Test
    void unknownOptionIsBadUsage() {
        CommandOutcome o = dptrain("train", "--epochs", "2");

        assertThat(o.code()).as(o.toString()).isEqualTo(2);
        assertThat(o.err()).contains("--epochs");
    }

    @Test
    void evaluateWithoutAModelIsBadUsage() {
        Path missing = tmp.resolve("no-such-run");

        CommandOutcome o = dptrain("evaluate", "--model", missing.toString(), "--data", testTable, "--master", "local[2]");

        assertThat(o.code()).as(o.toString()).isEqualTo(2);
        assertThat(o.err()).contains("no model at", missing.toString());
    }
}
