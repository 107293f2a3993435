package io.dptrain.notebook;

import io.dptrain.LocalSparkTest;
import io.dptrain.data.Fixtures;
import io.dptrain.data.ImageTable;
import io.dptrain.notebook.ResultMessage.Type;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Executes the notes in {@code notebooks/} with {@link NotebookRunner} on {@code local[2]}, on the
 * committed fixtures only (600 + 200 Fashion-MNIST images written as prepared tables, the 43 mails of
 * spam-mini), each on a small slice through its note parameters: every paragraph must run, and the
 * executed copy must hold what the note promises (tables of the stated size, inline images, a loaded
 * model that predicts as the trained one). So a note cannot silently break when an API changes.
 */
@Tag("notebook")
@Timeout(180)
class NotebooksTest {
    private static final Path NOTES = Path.of("notebooks");
    private static final Pattern PNG = Pattern.compile("data:image/png;base64,([A-Za-z0-9+/=]+)");

    @TempDir
    static Path tmp;
    private static Path trainTable;
    private static Path testTable;

    /** The fixture images as prepared tables, as {@code dptrain prepare fashion-mnist} writes them. */
    @BeforeAll
    static void writeImageTables() {
        trainTable = tmp.resolve("fashion-mnist-train.parquet");
        testTable = tmp.resolve("fashion-mnist-test.parquet");
        SparkSession spark = SparkSession.builder().config(LocalSparkTest.localConf("notebooks-test-fixtures"))
                .getOrCreate();
        try {
            ImageTable.writeParquet(ImageTable.fromImages(spark, Fixtures.train()), trainTable.toString(), false);
            ImageTable.writeParquet(ImageTable.fromImages(spark, Fixtures.test()), testTable.toString(), false);
        } finally {
            // A note run needs a JVM without a session (NotebookRunner starts its own).
            spark.stop();
            SparkSession.clearActiveSession();
            SparkSession.clearDefaultSession();
        }
    }

    private static NotebookRunner runner() {
        return new NotebookRunner(LocalSparkTest.localConf("dptrain-notebooks-test"));
    }

    @Test
    void fashionMnistCnnLooksTrainsExplainsSavesAndLoads() throws IOException {
        ZeppelinNote note = run(runner().param("train", trainTable.toString()).param("test", testTable.toString())
                .param("limit", "300").param("epochs", "2").param("model", tmp.resolve("lenet").toString()),
                "fashion-mnist-cnn.zpln");

        assertThat(table(note, "fmnist-class-counts")).as("one row per class").hasSize(1 + 10);
        assertThat(pngs(note, "fmnist-samples")).as("8 sample images of each of the 10 classes").hasSize(80);
        assertThat(table(note, "fmnist-loss")).as("header + rounds").hasSizeGreaterThan(1);
        assertThat(table(note, "fmnist-accuracy")).as("header + one row per epoch").hasSize(1 + 2);
        assertThat(table(note, "fmnist-confusion")).as("header + a row per true class").hasSize(1 + 10);
        assertThat(pngs(note, "fmnist-wrong")).as("the most confidently wrong images").isNotEmpty().hasSizeLessThanOrEqualTo(16);
        List<String> charts = pngs(note, "fmnist-report");
        assertThat(charts).as("loss, accuracy, round time, confusion").hasSize(4);
        for (String chart : charts) {
            assertThat(ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(chart))).getWidth())
                    .isGreaterThanOrEqualTo(760);
        }
        assertThat(text(note, "fmnist-save"))
                .contains("the loaded model names 10 classes (T-shirt/top, ...)")
                .contains("prediction or probabilities differ: 0 of 200");
    }

    @Test
    void spamLstmTrainsOnRawTextAndPredictsTypedMessages() {
        Path mails = Path.of(System.getProperty("dptrain.fixtures", "src/test/resources/fixtures"), "spam-mini");
        ZeppelinNote note = run(runner().param("corpus", mails.toString()).param("epochs", "2")
                .param("maxLength", "60").param("message", "cheap meds, click here now"), "spam-lstm.zpln");

        assertThat(text(note, "spam-read")).contains("43 mails, labels {ham=22, spam=21}");
        assertThat(table(note, "spam-counts")).as("header + the 5 groups").hasSize(1 + 5);
        assertThat(table(note, "spam-accuracy")).as("header + one row per epoch").hasSize(1 + 2);
        assertThat(table(note, "spam-misclassified").get(0))
                .isEqualTo("id\tlabel\tpredicted\tpSpam\tsubject\ttext");
        List<String> typed = table(note, "spam-typed");
        assertThat(typed).hasSize(1 + 2);
        assertThat(typed.get(1)).matches("(ham|spam)\t\\S+\tcheap meds, click here now");
    }

    @Test
    void enginesCompareThreeEnginesSideBySide() {
        ZeppelinNote note = run(runner().param("train", trainTable.toString()).param("test", testTable.toString())
                .param("limit", "240").param("epochs", "2"), "engines.zpln");

        List<String> speed = table(note, "engines-speed");
        assertThat(speed).hasSize(1 + 3);
        assertThat(speed.subList(1, 4)).map(row -> row.split("\t")[0])
                .containsExactly("single-process", "parameter-averaging", "gradient-averaging");
        assertThat(table(note, "engines-rounds").get(0))
                .isEqualTo("engine\trounds\tcompute_s\tbroadcast_s\twait_s\tcombine_s\tms_per_round");
        assertThat(table(note, "engines-rounds")).hasSize(1 + 3);
        assertThat(table(note, "engines-accuracy")).as("header + 3 engines x 2 epochs").hasSize(1 + 6);
    }

    /** Runs a note; every paragraph but the %md ones must have run (a failing one throws, naming it). */
    private static ZeppelinNote run(NotebookRunner runner, String file) {
        ZeppelinNote note = runner.run(NOTES.resolve(file));
        for (ZeppelinNote.Paragraph p : note.paragraphs()) {
            if (!p.text().startsWith("%md")) {
                assertThat(p.status()).as(file + " paragraph " + p.number() + " (" + p.id() + ")").isEqualTo("FINISHED");
            }
        }
        return note;
    }

    private static ZeppelinNote.Paragraph paragraph(ZeppelinNote note, String id) {
        return note.paragraphs().stream().filter(p -> p.id().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError("note " + note.name() + " has no paragraph " + id));
    }

    private static String message(ZeppelinNote note, String id, Type type) {
        return paragraph(note, id).results().stream().filter(m -> m.type() == type).map(ResultMessage::data)
                .findFirst().orElseThrow(() -> new AssertionError("paragraph " + id + " of note " + note.name()
                        + " has no " + type + " result: " + paragraph(note, id).results()));
    }

    /** The first table of a paragraph: its header line, then one line per row. */
    private static List<String> table(ZeppelinNote note, String id) {
        return message(note, id, Type.TABLE).lines().toList();
    }

    private static String text(ZeppelinNote note, String id) {
        return message(note, id, Type.TEXT);
    }

    /** The base64 PNG images embedded in a paragraph's HTML result. */
    private static List<String> pngs(ZeppelinNote note, String id) {
        Matcher m = PNG.matcher(message(note, id, Type.HTML));
        return m.results().map(r -> r.group(1)).toList();
    }
}
