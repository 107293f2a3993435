package io.dptrain.predict;

import static io.dptrain.cli.CommandOutcome.dptrain;
import static org.assertj.core.api.Assertions.assertThat;

import io.dptrain.LocalSparkTest;
import io.dptrain.cli.CommandOutcome;
import io.dptrain.data.text.SpamAssassinCorpus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code dptrain predict} end to end on a tiny trained lstm: outputs, the summary, overwriting and bad input. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PredictCommandTest extends LocalSparkTest {

    @TempDir
    static Path shared;

    @TempDir
    Path tmp;

    private static TinyTextRun run;
    private static String messages;

    @BeforeAll
    static void trainTinyRunAndWriteItsTexts() throws IOException {
        run = TinyTextRun.write(spark(), shared.resolve("run"));
        messages = shared.resolve("messages.parquet").toString();
        run.messages().write().parquet(messages);
    }

    private static CommandOutcome predict(String input, String format, String out, String... more) {
        List<String> args = new ArrayList<>(List.of("predict", "--model", run.dir().toString(), "--input",
                input, "--format", format, "--out", out, "--master", "local[2]"));
        args.addAll(List.of(more));
        return dptrain(args.toArray(new String[0]));
    }

    @Test
    void writesParquetWithTheInputColumnsAndPrintsTheAccuracy() {
        String out = tmp.resolve("predictions.parquet").toString();

        CommandOutcome o = predict(messages, "parquet", out, "--label-col", SpamAssassinCorpus.LABEL);

        assertThat(o.code()).as(o.toString()).isZero();
        Dataset<Row> written = spark().read().parquet(out);
        assertThat(written.count()).isEqualTo(43);
        assertThat(written.columns()).containsExactly("id", "text", "label", "group", "prediction",
                "prediction_index", "prob_ham", "prob_spam");
        long correct = written.where("label = prediction").count();
        Matcher m = Pattern.compile("accuracy: (\\d\\.\\d{4}) on 43 labelled texts").matcher(o.out());
        assertThat(m.find()).as(o.toString()).isTrue();
        assertThat(Double.parseDouble(m.group(1))).isEqualTo(Math.round(correct / 43.0 * 1e4) / 1e4);
        assertThat(o.out()).contains("predicted 43 texts", "cut: ", "unknown tokens: ",
                "wrote 43 predictions (parquet) -> " + out);
        assertThat(tmp.toFile().list()).as("no temporary folder left").containsExactly("predictions.parquet");
    }

    @Test
    void writesCsvWithAHeaderFromLinesInput() throws IOException {
        Path lines = Files.writeString(tmp.resolve("texts.txt"), "Cheap meds, order now\n\nmeeting at noon?\n");
        String out = tmp.resolve("predictions.csv").toString();

        CommandOutcome o = predict(lines.toString(), "lines", out, "--out-format", "csv");

        assertThat(o.code()).as(o.toString()).isZero();
        Dataset<Row> written = spark().read().option("header", "true").csv(out);
        assertThat(written.columns()).containsExactly("text", "prediction", "prediction_index", "prob_ham",
                "prob_spam");
        assertThat(written.count()).isEqualTo(3);
        // "accuracy:" is the report's line; the bare word may be in the output path (a checkout named *-accuracy).
        assertThat(o.out()).contains("predicted 3 texts", "empty texts, predicted from <unk>: 1")
                .doesNotContain("accuracy:");
    }

    @Test
    void refusesToOverwriteWithoutTheFlag() {
        String out = tmp.resolve("predictions.parquet").toString();
        assertThat(predict(messages, "parquet", out).code()).isZero();

        CommandOutcome again = predict(messages, "parquet", out);
        CommandOutcome replaced = predict(messages, "parquet", out, "--overwrite", "--out-format", "json");

        assertThat(again.code()).as(again.toString()).isEqualTo(2);
        assertThat(again.err()).contains(out, "already exists", "--overwrite");
        assertThat(replaced.code()).as(replaced.toString()).isZero();
        assertThat(spark().read().json(out).count()).isEqualTo(43);
    }

    @Test
    void badInputIsExitCodeTwoWithTheReason() {
        String out = tmp.resolve("predictions.parquet").toString();

        CommandOutcome missingColumn = predict(messages, "parquet", out, "--text-col", "body");
        CommandOutcome unseenLabel = predict(messages, "parquet", out, "--label-col", SpamAssassinCorpus.GROUP);
        CommandOutcome badFormat = predict(messages, "xml", out);
        CommandOutcome badOutFormat = predict(messages, "parquet", out, "--out-format", "avro");
        CommandOutcome notARun = dptrain("predict", "--model", tmp.toString(), "--input", messages, "--format", "parquet",
                "--out", out, "--master", "local[2]");

        assertThat(missingColumn.code()).as(missingColumn.toString()).isEqualTo(2);
        assertThat(missingColumn.err()).contains("[body] not found", "[id, text, label, group]");
        assertThat(unseenLabel.code()).as(unseenLabel.toString()).isEqualTo(2);
        assertThat(unseenLabel.err()).contains("never saw", "easy-ham-1", "[ham, spam]");
        assertThat(badFormat.code()).as(badFormat.toString()).isEqualTo(2);
        assertThat(badFormat.err()).contains("'xml'");
        assertThat(badOutFormat.code()).as(badOutFormat.toString()).isEqualTo(2);
        assertThat(badOutFormat.err()).contains("'avro'", "[parquet, csv, json]");
        assertThat(notARun.code()).as(notARun.toString()).isEqualTo(2);
        assertThat(notARun.err()).contains("no model at");
        assertThat(Path.of(out)).doesNotExist();
    }
}
