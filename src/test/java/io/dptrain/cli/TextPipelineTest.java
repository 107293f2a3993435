package io.dptrain.cli;

import io.dptrain.LocalSparkTest;
import io.dptrain.io.RunOutput;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static io.dptrain.cli.CommandOutcome.dptrain;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The text pipeline end to end on the committed SpamAssassin fixture (43 real mails): prepare,
 * train a tiny LSTM with parameter averaging on 2 workers, evaluate, predict new texts; and the
 * training run refuses a vocabulary file that is not the tables'.
 */
@Tag("spark")
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class TextPipelineTest extends LocalSparkTest {
    @TempDir
    Path tmp;

    @Test
    void prepareTrainEvaluatePredict() throws Exception {
        spark();
        String fixture = Path.of(System.getProperty("dptrain.fixtures", "src/test/resources/fixtures"), "spam-mini")
                .toString();
        CommandOutcome prepared = dptrain("prepare", "spam-assassin", "--source", fixture, "--out", tmp.toString(),
                "--max-length", "16", "--vocabulary-size", "300", "--min-count", "1", "--test-fraction", "0.25");
        assertThat(prepared.code()).as(prepared.err()).isZero();
        assertThat(prepared.out()).contains("read 43 mails", "classes found: {ham=22, spam=21}");
        String prefix = tmp.resolve("spam-assassin").toString();
        // The default headers, and the record of the options that jobs/bench-text.sh compares against.
        assertThat(Files.readString(Path.of(prefix + "-preparation.txt"))).isEqualTo("dptrain prepare spam-assassin"
                + " --headers From,Content-Type,X-Mailer,User-Agent --max-length 16 --vocabulary-size 300"
                + " --min-count 1 --test-fraction 0.25 --seed 42\n");

        CommandOutcome described = dptrain("describe", prefix + "-test.parquet");
        assertThat(described.code()).as(described.err()).isZero();
        assertThat(described.out().lines()).containsExactly("rows=11", "kind=text", "max-length=16",
                "vocabulary-size=" + (Files.readAllLines(Path.of(prefix + "-vocabulary.txt")).size() - 1), // its header
                "classes=2");

        String run = tmp.resolve("run").toString();
        String[] train = {"train", "--set", "data.train=" + prefix + "-train.parquet",
            "--set", "data.test=" + prefix + "-test.parquet", "--set", "data.vocabulary=" + prefix + "-vocabulary.txt",
            "--set", "data.classes=2", "--set", "data.max-length=16", "--set", "data.vocabulary-size=300",
            "--set", "model.preset=lstm", "--set", "model.lstm.embedding-size=8", "--set", "model.lstm.hidden-size=8",
            "--set", "train.batch-size=4", "--set", "train.epochs=2", "--set", "engine.mode=parameter-averaging",
            "--set", "engine.workers=2", "--set", "engine.local-steps=2", "--set", "output.dir=" + run};
        CommandOutcome trained = dptrain(train);
        assertThat(trained.code()).as(trained.err()).isZero();
        assertThat(trained.out()).contains("trained lstm (parameter-averaging)", "test accuracy:");
        assertThat(Path.of(run, RunOutput.VOCABULARY)).hasSameTextualContentAs(Path.of(prefix + "-vocabulary.txt"));
        assertThat(Files.readAllLines(Path.of(run, RunOutput.CLASSES))).containsExactly("ham", "spam");

        CommandOutcome evaluated = dptrain("evaluate", "--model", run, "--data", prefix + "-test.parquet");
        assertThat(evaluated.code()).as(evaluated.err()).isZero();
        assertThat(evaluated.out()).contains("test accuracy", "on 11 examples");

        Path texts = tmp.resolve("new.txt");
        Files.writeString(texts, "Cheap pills, click now to win money!\nMinutes of the meeting are attached.\n\n");
        String predictions = tmp.resolve("predictions.csv").toString();
        CommandOutcome predicted = dptrain("predict", "--model", run, "--input", texts.toString(), "--format", "lines",
                "--out", predictions, "--out-format", "csv");
        assertThat(predicted.code()).as(predicted.err()).isZero();
        assertThat(predicted.out()).contains("predicted 3 texts");
        assertThat(Files.readString(Path.of(predictions).resolve(Files.list(Path.of(predictions))
                .filter(p -> p.toString().endsWith(".csv")).findFirst().orElseThrow())))
                .contains("prediction", "prob_ham", "prob_spam");
    }

    @Test
    void aVocabularyThatIsNotTheTablesIsRefused() throws Exception {
        spark();
        String fixture = Path.of(System.getProperty("dptrain.fixtures", "src/test/resources/fixtures"), "spam-mini")
                .toString();
        String prefix = tmp.resolve("spam-assassin").toString();
        assertThat(dptrain("prepare", "spam-assassin", "--source", fixture, "--out", tmp.toString(), "--max-length",
                "16", "--vocabulary-size", "300", "--min-count", "1").code()).isZero();
        CommandOutcome badHeader = dptrain("prepare", "spam-assassin", "--source", fixture, "--out", tmp.toString(),
                "--headers", "From,Bad Name", "--overwrite");
        assertThat(badHeader.code()).isEqualTo(2);
        assertThat(badHeader.err()).contains("header name 'Bad Name' is not allowed");
        Path other = tmp.resolve("other-vocabulary.txt");
        Files.writeString(other, "dptrain-vocabulary 1 size=3\n<pad>\n<unk>\nspam\n");
        CommandOutcome trained = dptrain("train", "--set", "data.train=" + prefix + "-train.parquet",
                "--set", "data.test=" + prefix + "-test.parquet", "--set", "data.vocabulary=" + other,
                "--set", "data.classes=2", "--set", "data.max-length=16", "--set", "data.vocabulary-size=300",
                "--set", "model.preset=lstm", "--set", "output.dir=" + tmp.resolve("run"));
        assertThat(trained.code()).isEqualTo(2);
        assertThat(trained.err()).contains("is not the one", "was prepared with");
    }
}
