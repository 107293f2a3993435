package io.dptrain.data.text;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dptrain.LocalSparkTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TextTableTest extends LocalSparkTest {

    private static final StructType STRINGS = new StructType()
            .add("review", DataTypes.StringType).add("sentiment", DataTypes.StringType);

    @TempDir
    Path dir;

    /** Three classes of texts with commas, quotes, line breaks and non-ASCII letters. */
    private static List<Row> reviews() {
        return List.of(
                RowFactory.create("Great film, loved it", "pos"),
                RowFactory.create("Awful.\nTwo lines of \"awful\"", "neg"),
                RowFactory.create("It was a film", "neu"),
                RowFactory.create("Très bien, \"magnifique\"", "pos"),
                RowFactory.create("meh", "neu"),
                RowFactory.create("Worst, ever", "neg"),
                RowFactory.create("Superb", "pos"));
    }

    private static Set<List<Object>> pairs(LabeledTexts texts) {
        Set<List<Object>> pairs = new HashSet<>();
        for (Row r : texts.table().collectAsList()) {
            pairs.add(List.of(r.getString(0), texts.classNames().get(r.getInt(1))));
        }
        return pairs;
    }

    @Test
    void readsCsvJsonAndParquetWithThreeClasses() throws IOException {
        Path csv = dir.resolve("reviews.csv");
        StringBuilder csvText = new StringBuilder("id,review,sentiment\n");
        StringBuilder jsonText = new StringBuilder();
        int id = 0;
        for (Row r : reviews()) {
            csvText.append(id++).append(",\"").append(r.getString(0).replace("\"", "\"\""))
                    .append("\",").append(r.getString(1)).append('\n');
            jsonText.append("{\"review\": \"").append(r.getString(0).replace("\"", "\\\"")
                    .replace("\n", "\\n")).append("\", \"sentiment\": \"").append(r.getString(1))
                    .append("\", \"other\": 1}\n");
        }
        Files.writeString(csv, csvText, StandardCharsets.UTF_8);
        Path json = dir.resolve("reviews.json");
        Files.writeString(json, jsonText, StandardCharsets.UTF_8);
        String parquet = dir.resolve("reviews.parquet").toString();
        spark().createDataFrame(reviews(), STRINGS).write().parquet(parquet);

        Set<List<Object>> expected = new HashSet<>();
        reviews().forEach(r -> expected.add(List.of(r.getString(0), r.getString(1))));
        for (String[] source : new String[][] {{csv.toString(), "csv"}, {json.toString(), "JSON"},
                {parquet, "parquet"}}) {
            LabeledTexts texts = TextTable.read(spark(), source[0], source[1], "review",
                    "sentiment");

            assertThat(texts.classNames()).as(source[1]).containsExactly("neg", "neu", "pos");
            assertThat(texts.counts()).as(source[1])
                    .containsExactlyEntriesOf(ordered("neg", 2L, "neu", 2L, "pos", 3L));
            assertThat(texts.count()).isEqualTo(7);
            assertThat(texts.table().columns()).containsExactly("text", "label");
            assertThat(pairs(texts)).as(source[1]).isEqualTo(expected);
        }
        assertThatThrownBy(() -> TextTable.read(spark(), csv.toString(), "xml", "review",
                "sentiment"))
                .hasMessage("format must be one of [csv, json, parquet], got 'xml'");
    }

    @Test
    void wholeNumberLabelsSortNumerically() {
        StructType ints = new StructType().add("text", DataTypes.StringType)
                .add("y", DataTypes.LongType);
        Dataset<Row> table = spark().createDataFrame(List.of(RowFactory.create("a", 10L),
                RowFactory.create("b", 2L), RowFactory.create("c", 1L), RowFactory.create("d", 10L)),
                ints);
        LabeledTexts texts = TextTable.fromTable(table, "text", "y");
        assertThat(texts.classNames()).containsExactly("1", "2", "10");
        assertThat(texts.table().where(col("text").equalTo("a")).first().getInt(1)).isEqualTo(2);

        // The same labels as strings (a CSV column) sort the same way; mixed ones as strings.
        Dataset<Row> strings = spark().createDataFrame(List.of(RowFactory.create("a", "10"),
                RowFactory.create("b", "2"), RowFactory.create("c", "1")), STRINGS);
        assertThat(TextTable.fromTable(strings, "review", "sentiment").classNames())
                .containsExactly("1", "2", "10");
        Dataset<Row> mixed = spark().createDataFrame(List.of(RowFactory.create("a", "10"),
                RowFactory.create("b", "2"), RowFactory.create("c", "x")), STRINGS);
        assertThat(TextTable.fromTable(mixed, "review", "sentiment").classNames())
                .containsExactly("10", "2", "x");
    }

    @Test
    void missingColumnsAreNamedWithTheColumnsPresent() throws IOException {
        Dataset<Row> table = spark().createDataFrame(reviews(), STRINGS);
        assertThatThrownBy(() -> TextTable.fromTable(table, "text", "label"))
                .hasMessage("columns [text, label] not found; the table has [review, sentiment]");
        assertThatThrownBy(() -> TextTable.fromTable(table, "review", "label"))
                .hasMessage("column [label] not found; the table has [review, sentiment]");

        Path csv = dir.resolve("other.csv");
        Files.writeString(csv, "body,category\nhello,a\n");
        assertThatThrownBy(() -> TextTable.read(spark(), csv.toString(), "csv", "text", "category"))
                .hasMessage("csv table " + csv + ": column [text] not found; the table has"
                        + " [body, category]");
    }

    @Test
    void emptyTablesAreRejected() throws IOException {
        assertThatThrownBy(() -> TextTable.fromTable(spark().createDataFrame(List.of(), STRINGS),
                "review", "sentiment"))
                .hasMessage("the table is empty: it must hold at least one row");
        Path csv = dir.resolve("header-only.csv");
        Files.writeString(csv, "review,sentiment\n");
        assertThatThrownBy(() -> TextTable.read(spark(), csv.toString(), "csv", "review",
                "sentiment"))
                .hasMessage("csv table " + csv + ": the table is empty: it must hold at least one row");
    }

    @Test
    void badLabelsAndTypesAreRejected() {
        Dataset<Row> nullLabel = spark().createDataFrame(List.of(RowFactory.create("a", "x"),
                RowFactory.create("b", null), RowFactory.create("c", "y")), STRINGS);
        assertThatThrownBy(() -> TextTable.fromTable(nullLabel, "review", "sentiment"))
                .hasMessage("label column 'sentiment': 1 of 3 rows have no label (null)");

        Dataset<Row> oneClass = spark().createDataFrame(List.of(RowFactory.create("a", "x"),
                RowFactory.create("b", "x")), STRINGS);
        assertThatThrownBy(() -> TextTable.fromTable(oneClass, "review", "sentiment"))
                .hasMessage("label column 'sentiment' holds only the label [x]; a classifier"
                        + " needs at least 2 classes");

        StructType numbers = new StructType().add("n", DataTypes.IntegerType)
                .add("score", DataTypes.DoubleType).add("text", DataTypes.StringType);
        Dataset<Row> typed = spark().createDataFrame(List.of(RowFactory.create(1, 0.5, "t")),
                numbers);
        assertThatThrownBy(() -> TextTable.fromTable(typed, "n", "score"))
                .hasMessage("text column 'n' has type int; allowed: string");
        assertThatThrownBy(() -> TextTable.fromTable(typed, "text", "score"))
                .hasMessage("label column 'score' has type double; allowed: string, tinyint,"
                        + " smallint, int, bigint");
    }

    @Test
    void knownClassesRejectLabelsTheModelNeverSaw() {
        Dataset<Row> table = spark().createDataFrame(reviews(), STRINGS);
        LabeledTexts known = TextTable.fromTable(table, "review", "sentiment",
                List.of("pos", "neu", "neg", "mixed"));
        assertThat(known.classNames()).containsExactly("pos", "neu", "neg", "mixed");
        assertThat(known.counts()).containsEntry("mixed", 0L).containsEntry("pos", 3L);
        assertThat(known.table().where(col("text").equalTo("meh")).first().getInt(1)).isEqualTo(1);

        assertThatThrownBy(() -> TextTable.fromTable(table, "review", "sentiment",
                List.of("pos", "neg")))
                .hasMessage("label column 'sentiment' holds labels the model never saw: {neu=2}"
                        + " (label: rows); the model knows [pos, neg]");
    }

    @Test
    void tokenizerLowercasesAndSplitsOnNonLetters() {
        Dataset<Row> table = spark().createDataFrame(List.of(
                RowFactory.create("Don't pay $1,000! Café—NAÏVE 東京 e\u0301t\u00E9", "x"),
                RowFactory.create("  ...  ", "x"), RowFactory.create(null, "x")), STRINGS);
        List<Row> rows = table.select(Tokenizer.tokens(col("review"))).collectAsList();

        assertThat(rows.get(0).getList(0)).containsExactly("don", "t", "pay", "1", "000", "café",
                "naïve", "東京", "e\u0301t\u00E9");
        assertThat(rows.get(1).getList(0)).isEmpty();
        assertThat(rows.get(2).getList(0)).isEmpty();
    }

    @Test
    void splitIsStratifiedAndSeeded() {
        List<Row> rows = new ArrayList<>();
        int[] sizes = {50, 30, 20, 1};
        String[] names = {"a", "b", "c", "rare"};
        for (int c = 0; c < sizes.length; c++) {
            for (int i = 0; i < sizes[c]; i++) {
                rows.add(RowFactory.create(names[c] + " text " + i, names[c]));
            }
        }
        rows.add(RowFactory.create("a text 0", "a"));
        LabeledTexts texts = TextTable.fromTable(spark().createDataFrame(rows, STRINGS), "review",
                "sentiment");

        TextTable.Split split = TextTable.split(texts, 0.2, 7);

        assertThat(split.test().counts()).containsExactlyEntriesOf(ordered(
                "a", 10L, "b", 6L, "c", 4L, "rare", 0L));
        assertThat(split.train().counts()).containsExactlyEntriesOf(ordered(
                "a", 41L, "b", 24L, "c", 16L, "rare", 1L));
        assertThat(countsOf(split.test())).isEqualTo(split.test().counts());
        assertThat(countsOf(split.train())).isEqualTo(split.train().counts());
        List<String> all = new ArrayList<>(texts(split.train()));
        all.addAll(texts(split.test()));
        assertThat(all).containsExactlyInAnyOrderElementsOf(texts(texts));

        assertThat(texts(TextTable.split(texts, 0.2, 7).test()))
                .containsExactlyInAnyOrderElementsOf(texts(split.test()));
        assertThat(new HashSet<>(texts(TextTable.split(texts, 0.2, 8).test())))
                .isNotEqualTo(new HashSet<>(texts(split.test())));
        assertThatThrownBy(() -> TextTable.split(texts, 1.0, 7))
                .hasMessage("testFraction must be > 0 and < 1, got 1.0");
    }

    @Test
    void prepareMapsCutsAndCountsThenRoundTripsThroughParquet() {
        StructType schema = new StructType().add("text", DataTypes.StringType)
                .add("label", DataTypes.StringType);
        Dataset<Row> table = spark().createDataFrame(List.of(
                RowFactory.create("Hello, hello world!", "greeting"),
                RowFactory.create("", "other"),
                RowFactory.create("a b c d e f g", "other"),
                RowFactory.create("unknownword HELLO", "greeting")), schema);
        LabeledTexts texts = TextTable.fromTable(table, "text", "label");
        Vocabulary vocabulary = Vocabulary.of(List.of("hello", "world", "a", "b"));

        TextTable.Prepared prepared = TextTable.prepare(texts, vocabulary, 4);

        assertThat(prepared.rows()).isEqualTo(4);
        assertThat(prepared.cutTexts()).isEqualTo(1);
        assertThat(prepared.emptyTexts()).isEqualTo(1);
        assertThat(prepared.tokens()).isEqualTo(3 + 4 + 2);
        assertThat(prepared.unknownTokens()).isEqualTo(2 + 1);
        SequenceShape shape = new SequenceShape(4, 6, List.of("greeting", "other"),
                vocabulary.fingerprint());
        assertThat(prepared.shape()).isEqualTo(shape);
        assertThat(TextTable.shapeOf(prepared.table())).isEqualTo(shape);
        assertThat(prepared.table().columns()).containsExactly("label", "tokens");
        assertThat(prepared.table().schema().apply("tokens").metadata().getStringArray("classNames"))
                .containsExactly("greeting", "other");

        TokenSequences expected = new TokenSequences(
                new int[][] {{2, 2, 3}, {1}, {4, 5, 1, 1}, {1, 2}}, new int[] {0, 1, 1, 0}, 2, 4);
        assertThat(TokenSequences.collect(prepared.table())).isEqualTo(expected);

        String path = dir.resolve("prepared.parquet").toString();
        TextTable.writeParquet(prepared.table(), path, false);
        Dataset<Row> back = TextTable.readPrepared(spark(), path);
        assertThat(TextTable.shapeOf(back)).isEqualTo(shape);
        // Spark does not promise to read Parquet parts back in the written order.
        TokenSequences collected = TokenSequences.collect(back);
        assertThat(rows(collected)).containsExactlyInAnyOrderElementsOf(rows(expected));

        TokenCodec codec = new TokenCodec(shape);
        List<byte[]> records = prepared.table().select(codec.columns()).collectAsList().stream()
                .map(codec::encode).toList();
        assertThat(codec.decode(records)).isEqualTo(expected);

        assertThatThrownBy(() -> TextTable.writeParquet(prepared.table(), path, false))
                .hasMessageContaining("already exists");
        assertThatThrownBy(() -> TextTable.prepare(texts, vocabulary, 0))
                .hasMessage("maxLength must be >= 1, got 0");
    }

    @Test
    void readPreparedRejectsOtherTables() {
        String path = dir.resolve("plain.parquet").toString();
        spark().createDataFrame(List.of(RowFactory.create(1, "x")), new StructType()
                .add("label", DataTypes.IntegerType).add("tokens", DataTypes.StringType))
                .write().parquet(path);
        assertThatThrownBy(() -> TextTable.readPrepared(spark(), path))
                .hasMessage(path + " is not a prepared text table: column 'tokens' has type"
                        + " string, expected array<int>");

        Dataset<Row> noMetadata = spark().sql("SELECT 1 AS label, array(2, 3) AS tokens");
        assertThatThrownBy(() -> TextTable.shapeOf(noMetadata))
                .hasMessageStartingWith("column 'tokens' lacks the metadata keys [maxLength,"
                        + " vocabularySize, classes, classNames, vocabularyFingerprint]");
    }

    @Test
    void fixtureCorpusEndToEnd() {
        SpamAssassinCorpus.Result corpus = SpamAssassinCorpus.read(spark(),
                TextFixtures.spamMini().toString());
        LabeledTexts texts = TextTable.fromTable(corpus.messages(), "text", "label");
        assertThat(texts.classNames()).containsExactly("ham", "spam");

        TextTable.Split split = TextTable.split(texts, 0.25, 42);
        Vocabulary vocabulary = Vocabulary.build(split.train(), 100, 2);
        TextTable.Prepared train = TextTable.prepare(split.train(), vocabulary, 40);
        TokenSequences sequences = TokenSequences.collect(train.table());

        assertThat(train.rows()).isEqualTo(split.train().count()).isEqualTo(32);
        assertThat(train.cutTexts()).isPositive();
        assertThat(vocabulary.size()).isEqualTo(100);
        DataSet batch = sequences.minibatches(16, DataType.FLOAT).get(0);
        assertThat(batch.getFeatures().shape()).containsExactly(16, 40);
        assertThat(batch.getFeaturesMaskArray().shape()).containsExactly(16, 40);
        assertThat(batch.getLabels().shape()).containsExactly(16, 2);
        assertThat(batch.getFeatures().maxNumber().intValue()).isLessThan(100);
    }

    @Test
    void preparationWritesBothHalvesAndTheVocabulary() {
        SpamAssassinCorpus.Result corpus = SpamAssassinCorpus.read(spark(),
                TextFixtures.spamMini().toString());
        LabeledTexts texts = TextTable.fromTable(corpus.messages(), "text", "label");
        TextPreparation.Options options = new TextPreparation.Options(30, 200, 2, 0.25, 42);
        String prefix = dir.resolve("prepared/spam").toString();

        TextPreparation.Result result = TextPreparation.run(texts, options, prefix, false);

        assertThat(result.trainPath()).isEqualTo(prefix + "-train.parquet");
        Dataset<Row> train = TextTable.readPrepared(spark(), result.trainPath());
        Dataset<Row> test = TextTable.readPrepared(spark(), result.testPath());
        assertThat(train.count()).isEqualTo(32);
        assertThat(test.count()).isEqualTo(11);
        Vocabulary vocabulary = Vocabulary.load(result.vocabularyPath(),
                spark().sparkContext().hadoopConfiguration());
        assertThat(vocabulary).isEqualTo(result.vocabulary());
        SequenceShape shape = TextTable.shapeOf(test);
        assertThat(shape).isEqualTo(new SequenceShape(30, vocabulary.size(),
                List.of("ham", "spam"), vocabulary.fingerprint()));
        assertThat(result.test().unknownTokens()).isPositive();

        assertThatThrownBy(() -> TextPreparation.run(texts, options, prefix, false))
                .hasMessageContaining("already exists");
        assertThatThrownBy(() -> new TextPreparation.Options(30, 200, 2, 0, 42))
                .hasMessage("testFraction must be > 0 and < 1, got 0.0");
    }

    private static Map<String, Long> ordered(Object... entries) {
        Map<String, Long> map = new LinkedHashMap<>();
        for (int i = 0; i < entries.length; i += 2) {
            map.put((String) entries[i], (Long) entries[i + 1]);
        }
        return map;
    }

    private static Map<String, Long> countsOf(LabeledTexts texts) {
        Map<String, Long> counts = new LinkedHashMap<>();
        texts.classNames().forEach(c -> counts.put(c, 0L));
        for (Row r : texts.table().groupBy("label").count().collectAsList()) {
            counts.put(texts.classNames().get(r.getInt(0)), r.getLong(1));
        }
        return counts;
    }

    private static List<String> rows(TokenSequences sequences) {
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < sequences.count(); i++) {
            rows.add(sequences.labels()[i] + ":" + Arrays.toString(sequences.tokens()[i]));
        }
        return rows;
    }

    private static List<String> texts(LabeledTexts texts) {
        return texts.table().select("text").collectAsList().stream().map(r -> r.getString(0))
                .toList();
    }
}
