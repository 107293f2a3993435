package io.dptrain.data.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dptrain.LocalSparkTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class VocabularyTest extends LocalSparkTest {

    @TempDir
    Path dir;

    /**
     * Texts with a 5, b 3, c 3, e 2 and d, pad, unk 1 occurrence each: the tokenizer turns a
     * literal {@code <unk>} into the word {@code unk}, so data never yields a reserved token.
     */
    private static LabeledTexts texts() {
        StructType schema = new StructType().add("text", DataTypes.StringType)
                .add("label", DataTypes.StringType);
        List<Row> rows = List.of(
                RowFactory.create("A a, B! c", "x"),
                RowFactory.create("a c e <unk> <pad>", "y"),
                RowFactory.create("A. b c d", "x"),
                RowFactory.create("a b e", "y"),
                RowFactory.create(null, "y"));
        return TextTable.fromTable(spark().createDataFrame(rows, schema), "text", "label");
    }

    private static Configuration conf() {
        return spark().sparkContext().hadoopConfiguration();
    }

    @Test
    void buildKeepsTopWordsAboveMinCountWithDeterministicTies() {
        Vocabulary top3 = Vocabulary.build(texts(), 5, 2);

        // b and c both occur 3 times: the tie goes to the smaller token.
        assertThat(top3.tokens()).containsExactly("<pad>", "<unk>", "a", "b", "c");
        assertThat(top3.size()).isEqualTo(5);
        assertThat(top3.id("a")).isEqualTo(2);
        assertThat(top3.id("e")).isEqualTo(Vocabulary.UNK_ID);
        assertThat(top3.id("never-seen")).isEqualTo(Vocabulary.UNK_ID);

        assertThat(Vocabulary.build(texts(), 100, 2).tokens())
                .containsExactly("<pad>", "<unk>", "a", "b", "c", "e");
        assertThat(Vocabulary.build(texts(), 100, 1).tokens())
                .containsExactly("<pad>", "<unk>", "a", "b", "c", "e", "d", "pad", "unk");
    }

    @Test
    void buildRejectsBadSettingsAndTooHighMinCount() {
        assertThatThrownBy(() -> Vocabulary.build(texts(), 2, 1))
                .hasMessage("maxSize must be >= 3 (<pad>, <unk> and one word), got 2");
        assertThatThrownBy(() -> Vocabulary.build(texts(), 10, 0))
                .hasMessage("minCount must be >= 1, got 0");
        assertThatThrownBy(() -> Vocabulary.build(texts(), 10, 6))
                .hasMessageStartingWith("no token occurs at least minCount = 6 times");
    }

    @Test
    void saveAndLoadRoundTrip() throws IOException {
        Vocabulary vocabulary = Vocabulary.of(List.of("hello", "wörld", "東京", "42"));
        String path = dir.resolve("model/vocabulary.txt").toString();

        vocabulary.save(path, conf(), false);
        Vocabulary back = Vocabulary.load(path, conf());

        assertThat(back).isEqualTo(vocabulary).hasSameHashCodeAs(vocabulary);
        assertThat(back.fingerprint()).isEqualTo(vocabulary.fingerprint());
        assertThat(Files.readAllLines(Path.of(path), StandardCharsets.UTF_8)).containsExactly(
                "dptrain-vocabulary 1 size=6", "<pad>", "<unk>", "hello", "wörld", "東京", "42");
        assertThat(back.toString()).contains("size=6", vocabulary.fingerprint());

        assertThatThrownBy(() -> vocabulary.save(path, conf(), false))
                .hasMessage("vocabulary file " + path + " already exists; pass overwrite to"
                        + " replace it");
        Vocabulary.of(List.of("other")).save(path, conf(), true);
        assertThat(Vocabulary.load(path, conf()).tokens()).containsExactly("<pad>", "<unk>", "other");
    }

    @Test
    void loadRejectsFilesThatAreNotVocabularies() throws IOException {
        Path csv = write("table.csv", "text,label", "hello,spam");
        assertThatThrownBy(() -> Vocabulary.load(csv.toString(), conf()))
                .hasMessage(csv + " is not a dptrain vocabulary file: its first line must be"
                        + " 'dptrain-vocabulary 1 size=<n>', found 'text,label'");

        Path empty = write("empty.txt");
        assertThatThrownBy(() -> Vocabulary.load(empty.toString(), conf()))
                .hasMessageContaining("is not a dptrain vocabulary file").hasMessageEndingWith("found ''");

        Path truncated = write("truncated.txt", "dptrain-vocabulary 1 size=6", "<pad>", "<unk>", "a",
                "b");
        assertThatThrownBy(() -> Vocabulary.load(truncated.toString(), conf()))
                .hasMessage(truncated + ": the header says size=6 but the file holds 4 tokens"
                        + " (truncated or edited?)");

        Path future = write("future.txt", "dptrain-vocabulary 2 size=3", "<pad>", "<unk>", "a");
        assertThatThrownBy(() -> Vocabulary.load(future.toString(), conf()))
                .hasMessage(future + " is vocabulary format version 2; this build reads version 1");

        Path noReserved = write("noreserved.txt", "dptrain-vocabulary 1 size=3", "a", "b", "c");
        assertThatThrownBy(() -> Vocabulary.load(noReserved.toString(), conf()))
                .hasMessage(noReserved + ": ids 0 and 1 must be <pad> and <unk> followed by at"
                        + " least one word, found [a, b, c]");

        Path duplicate = write("duplicate.txt", "dptrain-vocabulary 1 size=4", "<pad>", "<unk>",
                "a", "a");
        assertThatThrownBy(() -> Vocabulary.load(duplicate.toString(), conf()))
                .hasMessage(duplicate + ": word 'a' appears twice, at 0 and 1");

        String missing = dir.resolve("missing.txt").toString();
        assertThatThrownBy(() -> Vocabulary.load(missing, conf()))
                .hasMessage("vocabulary file " + missing + " does not exist");
    }

    @Test
    void buildWorksOnAnyTokenColumn() {
        StructType schema = new StructType().add("words",
                DataTypes.createArrayType(DataTypes.StringType, true));
        List<Row> rows = new ArrayList<>();
        rows.add(RowFactory.create((Object) new String[] {"x", "y", "x", null, ""}));
        rows.add(RowFactory.create((Object) new String[] {"y", "x"}));
        Dataset<Row> table = spark().createDataFrame(rows, schema);

        assertThat(Vocabulary.build(table, "words", 5, 1).tokens())
                .containsExactly("<pad>", "<unk>", "x", "y");
    }

    private Path write(String name, String... lines) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, Arrays.asList(lines), StandardCharsets.UTF_8);
        return file;
    }
}
