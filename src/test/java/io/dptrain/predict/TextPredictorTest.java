package io.dptrain.predict;

import io.dptrain.io.RunOutput;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.dptrain.LocalSparkTest;
import io.dptrain.data.text.SpamAssassinCorpus;
import io.dptrain.data.text.TextTable;
import io.dptrain.data.text.Vocabulary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Prediction with a tiny trained lstm: the output table, cut and empty texts, and every bad input. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TextPredictorTest extends LocalSparkTest {

    @TempDir
    static Path shared;

    @TempDir
    Path tmp;

    private static TinyTextRun run;
    private static TextPredictor predictor;

    @BeforeAll
    static void trainTinyRun() throws IOException {
        run = TinyTextRun.write(spark(), shared.resolve("run"));
        predictor = TextPredictor.load(spark(), run.dir().toString());
    }

    /** Rows of (id, text), ids 0, 1, ... */
    private static Dataset<Row> texts(String... texts) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < texts.length; i++) {
            rows.add(RowFactory.create(i, texts[i]));
        }
        StructType schema = new StructType().add("id", DataTypes.IntegerType).add("text", DataTypes.StringType);
        return spark().createDataFrame(rows, schema);
    }

    /** The vocabulary's words {@code from..to-1} (ids), as one text. */
    private static String words(int from, int to) {
        return IntStream.range(from, to).mapToObj(run.vocabulary()::token).collect(Collectors.joining(" "));
    }

    private static double[] probabilities(Row row) {
        return predictor.probabilityColumns().stream().mapToDouble(c -> row.getDouble(row.fieldIndex(c))).toArray();
    }

    private static Map<Integer, Row> byId(Predictions predictions) {
        return predictions.table().collectAsList().stream()
                .collect(Collectors.toMap(r -> r.getInt(r.fieldIndex("id")), Function.identity()));
    }

    @Test
    void loadReadsTheRunFolder() {
        assertThat(predictor.classNames()).containsExactlyElementsOf(TinyTextRun.CLASSES);
        assertThat(predictor.maxLength()).isEqualTo(TinyTextRun.MAX_LENGTH);
        assertThat(predictor.vocabulary()).isEqualTo(run.vocabulary());
        assertThat(predictor.outputColumns()).containsExactly(TextPredictor.PREDICTION,
                TextPredictor.PREDICTION_INDEX, "prob_ham", "prob_spam");
    }

    @Test
    void everyRowGetsProbabilitiesThatSumToOneAndTheirArgmaxAsPrediction() {
        try (Predictions predictions = predictor.predict(run.messages(), TextTable.TEXT, SpamAssassinCorpus.LABEL)) {
            Dataset<Row> table = predictions.table();
            List<String> inputColumns = Arrays.asList(run.messages().columns());
            assertThat(table.columns()).startsWith(inputColumns.toArray(new String[0]))
                    .endsWith(predictor.outputColumns().toArray(new String[0]));
            List<Row> rows = table.collectAsList();
            assertThat(rows).hasSize(43);
            assertThat(predictions.rows()).isEqualTo(43);
            long correct = 0;
            for (Row row : rows) {
                double[] p = probabilities(row);
                assertThat(Arrays.stream(p).sum()).isCloseTo(1.0, within(1e-5));
                int argmax = p[1] > p[0] ? 1 : 0;
                assertThat(row.getInt(row.fieldIndex(TextPredictor.PREDICTION_INDEX))).isEqualTo(argmax);
                assertThat(row.getString(row.fieldIndex(TextPredictor.PREDICTION)))
                        .isEqualTo(TinyTextRun.CLASSES.get(argmax));
                correct += row.getString(row.fieldIndex("label")).equals(TinyTextRun.CLASSES.get(argmax)) ? 1 : 0;
            }
            assertThat(predictions.accuracy()).hasValue((double) correct / rows.size());
            List<String> ids = rows.stream().map(r -> r.getString(r.fieldIndex("id"))).toList();
            assertThat(ids).containsExactlyInAnyOrderElementsOf(
                    run.messages().select("id").as(Encoders.STRING()).collectAsList());
        }
    }

    @Test
    void predictionsMatchTheNetworkOnTheDriver() {
        String text = words(2, 9);
        try (Predictions predictions = predictor.predict(texts(text), TextTable.TEXT, null)) {
            Row row = predictions.table().first();
            INDArray features = Nd4j.zeros(
                    DataType.FLOAT, 1, TinyTextRun.MAX_LENGTH);
            INDArray mask = features.dup();
            for (int t = 0; t < 7; t++) {
                features.putScalar(0, t, 2 + t);
                mask.putScalar(0, t, 1);
            }
            double[] expected = run.net().output(features, false, mask, null).toDoubleVector();
            assertThat(probabilities(row)).containsExactly(expected, within(1e-6));
        }
    }

    @Test
    void longTextsAreCutToTheirFirstTokensAndEmptyTextsReadAsOneUnknownToken() {
        String first12 = words(2, 2 + TinyTextRun.MAX_LENGTH);
        String long30 = words(2, 32);
        try (Predictions predictions = predictor.predict(texts(long30, first12, "", "zqxjkv", null),
                TextTable.TEXT, null)) {
            assertThat(predictions.rows()).isEqualTo(5);
            assertThat(predictions.cutTexts()).isEqualTo(1);
            assertThat(predictions.emptyTexts()).as("the empty and the null text").isEqualTo(2);
            assertThat(predictions.tokens()).isEqualTo(12 + 12 + 1);
            assertThat(predictions.unknownTokens()).isEqualTo(1);
            assertThat(predictions.accuracy()).isEmpty();
            assertThat(predictions.toText()).contains("predicted 5 texts", "longer than 12 tokens, cut: 1",
                    "empty texts, predicted from <unk>: 2", "unknown tokens: 1 of 25 (4.0%)");
            Map<Integer, Row> rows = byId(predictions);
            assertThat(probabilities(rows.get(0))).containsExactly(probabilities(rows.get(1)), within(1e-6));
            assertThat(probabilities(rows.get(2))).containsExactly(probabilities(rows.get(3)), within(1e-6));
            assertThat(probabilities(rows.get(4))).containsExactly(probabilities(rows.get(3)), within(1e-6));
            assertThat(rows.get(4).isNullAt(rows.get(4).fieldIndex("text"))).as("the input is kept as is").isTrue();
        }
    }

    @Test
    void csvInputKeepsItsColumnsAndMultiLineTexts() throws IOException {
        Path csv = Files.writeString(tmp.resolve("texts.csv"), String.join("\n",
                "id,text,source",
                "a,\"Free money, click now!\nLimited offer\",web",
                "b,,mail",
                "c,\"" + words(2, 40) + "\",mail", ""));

        try (Predictions predictions = predictor.predict(TextPredictor.readTexts(spark(), csv.toString(), "csv"),
                TextTable.TEXT, null)) {
            assertThat(predictions.rows()).isEqualTo(3);
            assertThat(predictions.cutTexts()).isEqualTo(1);
            assertThat(predictions.emptyTexts()).isEqualTo(1);
            assertThat(predictions.table().columns()).startsWith("id", "text", "source");
            assertThat(predictions.table().select("id").as(Encoders.STRING()).collectAsList())
                    .containsExactlyInAnyOrder("a", "b", "c");
        }
    }

    @Test
    void linesInputIsOneTextPerLine() throws IOException {
        Path lines = Files.writeString(tmp.resolve("texts.txt"), "hello world\n\nfree money now\n");

        Dataset<Row> texts = TextPredictor.readTexts(spark(), lines.toString(), "lines");
        try (Predictions predictions = predictor.predict(texts, TextTable.TEXT, null)) {
            assertThat(predictions.table().columns()).startsWith(TextTable.TEXT);
            assertThat(predictions.rows()).isEqualTo(3);
            assertThat(predictions.emptyTexts()).isEqualTo(1);
            assertThat(predictions.table().count()).isEqualTo(3);
        }
    }

    @Test
    void anEmptyTableGivesNoRowsAndNoAccuracy() {
        Dataset<Row> none = run.messages().limit(0);
        try (Predictions predictions = predictor.predict(none, TextTable.TEXT, SpamAssassinCorpus.LABEL)) {
            assertThat(predictions.rows()).isZero();
            assertThat(predictions.accuracy()).isEmpty();
            assertThat(predictions.table().count()).isZero();
        }
    }

    @Test
    void labelsTheModelNeverSawAreAnErrorNamingThemAndTheKnownClasses() {
        Dataset<Row> relabelled = run.messages().withColumn(SpamAssassinCorpus.LABEL,
                when(col(SpamAssassinCorpus.GROUP).equalTo("spam-1"), lit("phishing"))
                        .otherwise(col(SpamAssassinCorpus.LABEL)));

        assertThatThrownBy(() -> predictor.predict(relabelled, TextTable.TEXT, SpamAssassinCorpus.LABEL))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("never saw").hasMessageContaining("phishing=11")
                .hasMessageContaining("[ham, spam]");
    }

    @Test
    void missingColumnsAreAnErrorListingThePresentOnes() {
        assertThatThrownBy(() -> predictor.predict(run.messages(), "body", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[body] not found").hasMessageContaining("[id, text, label, group]");
        assertThatThrownBy(() -> predictor.predict(run.messages(), TextTable.TEXT, "class"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[class] not found").hasMessageContaining("[id, text, label, group]");
    }

    @Test
    void aNonStringTextColumnOrAClashingOutputColumnIsAnError() {
        assertThatThrownBy(() -> predictor.predict(texts("a").select(col("id").as("text")), "text", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("text column 'text' has type int");
        assertThatThrownBy(() -> predictor.predict(texts("a").withColumn("prob_spam", lit(1.0)), "text", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[prob_spam]");
    }

    @Test
    void aVocabularyLargerThanTheModelsEmbeddingIsAnErrorNamingBothSizes() throws IOException {
        Path other = run.copyTo(tmp.resolve("other-vocabulary"));
        List<String> words = new ArrayList<>(run.vocabulary().tokens().subList(Vocabulary.RESERVED,
                run.vocabulary().size()));
        words.addAll(List.of("extra1", "extra2", "extra3"));
        Files.delete(other.resolve(RunOutput.VOCABULARY));
        Vocabulary.of(words).save(other.resolve(RunOutput.VOCABULARY).toString(),
                spark().sparkContext().hadoopConfiguration(), false);

        int size = run.vocabulary().size();
        assertThatThrownBy(() -> TextPredictor.load(spark(), other.toString()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(other.resolve(RunOutput.VOCABULARY).toString())
                .hasMessageContaining("holds " + (size + 3) + " token ids")
                .hasMessageContaining("takes only " + size);
    }

    @Test
    void aClassFileThatDoesNotMatchTheOutputLayerIsAnError() throws IOException {
        Path other = run.copyTo(tmp.resolve("other-classes"));
        Files.write(other.resolve(RunOutput.CLASSES), List.of("ham", "spam", "phishing"));

        assertThatThrownBy(() -> TextPredictor.load(spark(), other.toString()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(RunOutput.CLASSES).hasMessageContaining("names 3 classes")
                .hasMessageContaining("has 2 units");
    }

    @Test
    void aMaxLengthThatDoesNotMatchTheEmbeddingIsAnError() throws IOException {
        Path other = run.copyTo(tmp.resolve("other-length"));
        Path provenance = other.resolve(RunOutput.PROVENANCE);
        Files.writeString(provenance, Files.readString(provenance).replace("\"maxLength\" : " + TinyTextRun.MAX_LENGTH,
                "\"maxLength\" : 20"));

        assertThatThrownBy(() -> TextPredictor.load(spark(), other.toString()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxLength = 20").hasMessageContaining("sequences of 12 tokens");
    }

    @Test
    void aMissingRunFileIsAnErrorNamingIt() throws IOException {
        Path other = run.copyTo(tmp.resolve("no-classes"));
        Files.delete(other.resolve(RunOutput.CLASSES));

        assertThatThrownBy(() -> TextPredictor.load(spark(), other.toString()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(other.resolve(RunOutput.CLASSES).toString())
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> TextPredictor.load(spark(), tmp.resolve("nowhere").toString()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no run folder");
    }

    @Test
    void unknownInputFormatsAndMissingInputsAreErrors() {
        assertThatThrownBy(() -> TextPredictor.readTexts(spark(), tmp.toString(), "xml"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'xml'")
                .hasMessageContaining("[csv, json, parquet, lines]");
        assertThatThrownBy(() -> TextPredictor.readTexts(spark(), tmp.resolve("none.csv").toString(), "csv"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("none.csv does not exist");
    }
}
