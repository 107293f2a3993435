package io.dptrain.predict;

import static org.assertj.core.api.Assertions.assertThat;

import io.dptrain.LocalSparkTest;
import io.dptrain.cli.Dptrain;
import io.dptrain.data.text.SpamAssassinCorpus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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

    /** A command's exit code and what it printed. */
    private record Outcome(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

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

    private static Outcome dptrain(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            System.setErr(e);
            int code = Dptrain.run(args);
            return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private static Outcome predict(String input, String format, String out, String... more) {
        List<String> args = new ArrayList<>(List.of("predict", "--model", run.dir().toString(), "--input",
                input, "--format", format, "--out", out, "--master", "local[2]"));
        args.addAll(List.of(more));
        return dptrain(args.toArray(new String[0]));
    }

    @Test
    void writesParquetWithTheInputColumnsAndPrintsTheAccuracy() {
        String out = tmp.resolve("predictions.parquet").toString();

        Outcome o = predict(messages, "parquet", out, "--label-col", SpamAssassinCorpus.LABEL);

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

        Outcome o = predict(lines.toString(), "lines", out, "--out-format", "csv");

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

        Outcome again = predict(messages, "parquet", out);
        Outcome replaced = predict(messages, "parquet", out, "--overwrite", "--out-format", "json");

        assertThat(again.code()).as(again.toString()).isEqualTo(2);
        assertThat(again.err()).contains(out, "already exists", "--overwrite");
        assertThat(replaced.code()).as(replaced.toString()).isZero();
        assertThat(spark().read().json(out).count()).isEqualTo(43);
    }

    @Test
    void badInputIsExitCodeTwoWithTheReason() {
        String out = tmp.resolve("predictions.parquet").toString();

        Outcome missingColumn = predict(messages, "parquet", out, "--text-col", "body");
        Outcome unseenLabel = predict(messages, "parquet", out, "--label-col", SpamAssassinCorpus.GROUP);
        Outcome badFormat = predict(messages, "xml", out);
        Outcome badOutFormat = predict(messages, "parquet", out, "--out-format", "avro");
        Outcome notARun = dptrain("predict", "--model", tmp.toString(), "--input", messages, "--format", "parquet",
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
