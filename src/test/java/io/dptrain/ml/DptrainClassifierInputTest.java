package io.dptrain.ml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dptrain.LocalSparkTest;
import io.dptrain.LogLines;
import io.dptrain.data.Fixtures;
import io.dptrain.data.LabeledImages;
import java.nio.file.Path;
import java.sql.Date;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.Params;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@link DptrainClassifier} and {@link DptrainClassificationModel} do with input they cannot
 * use: each case fails with a message naming the column, the value and what is allowed (or, for
 * null texts, is counted and read as empty), and the estimator's Params survive ML persistence.
 * Bad values found while {@code transform} runs fail the Spark job; its root cause carries the message.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DptrainClassifierInputTest extends LocalSparkTest {
    /** A network that trains in seconds: mlp with one hidden layer of 8, or a small lstm for text. */
    private static final String TINY = "model.mlp.hidden = [8]\nmodel.lstm.embedding-size = 8\n"
            + "model.lstm.hidden-size = 8\ntrain.progress-every = 0";
    private static final DataType INTS = DataTypes.createArrayType(DataTypes.IntegerType);
    private static final DataType DOUBLES = DataTypes.createArrayType(DataTypes.DoubleType);
    private static final int NULL_TEXTS = 3;

    @TempDir
    static Path tmp;
    /** 28x28 mlp trained on 48 fixture images, saved and loaded again. */
    private static DptrainClassificationModel imageModel;
    /** lstm trained on synthetic texts, {@value #NULL_TEXTS} of them null. */
    private static DptrainClassificationModel textModel;
    private static int textRows;
    private static List<String> textFitLog;

    @BeforeAll
    static void fitTinyModels() throws Exception {
        DptrainClassificationModel fitted = tiny().setFeaturesCol("pixels").setImageHeight(28).setImageWidth(28)
                .setNumClasses(10).fit(fixtureRows(48));
        String path = tmp.resolve("image-model").toString();
        fitted.write().save(path);
        imageModel = DptrainClassificationModel.load(path);

        List<Row> texts = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            texts.add(RowFactory.create(i % 2 == 0 ? "buy cheap pills now, offer " + i : "meeting at noon, agenda " + i,
                    (double) (i % 2)));
        }
        for (int i = 0; i < NULL_TEXTS; i++) {
            texts.add(RowFactory.create(null, (double) (i % 2)));
        }
        textRows = texts.size();
        Dataset<Row> textTable = spark().createDataFrame(texts,
                new StructType().add("text", DataTypes.StringType).add("label", DataTypes.DoubleType));
        DptrainClassifier classifier = tiny().setPreset("lstm").setFeaturesCol("text").setMaxLength(8)
                .setVocabularySize(50);
        List<DptrainClassificationModel> out = new ArrayList<>();
        textFitLog = LogLines.of(DptrainClassifier.class, () -> out.add(classifier.fit(textTable)));
        textModel = out.get(0);
    }

    private static DptrainClassifier tiny() {
        return new DptrainClassifier().setPreset("mlp").setConfig(TINY).setEpochs(1).setWorkers(2).setBatchSize(8);
    }

    // ---- columns and types (checked before any Spark job) ----

    @Test
    void aMissingFeaturesColumnIsNamedWithTheColumnsThereAre() {
        assertThatThrownBy(() -> tiny().setImageHeight(4).setImageWidth(4).fit(images(4, i -> 0, 40)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("column 'features' not found").hasMessageContaining("[label, pixels]");
    }

    @Test
    void aMissingLabelColumnIsNamed() {
        assertThatThrownBy(() -> tiny().setFeaturesCol("pixels").setLabelCol("y").setImageHeight(4).setImageWidth(4)
                .fit(images(4, i -> 0, 40)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("column 'y' not found").hasMessageContaining("[label, pixels]");
    }

    @Test
    void aFeaturesColumnOfAnotherTypeIsNamedWithItsTypeAndTheAllowedOnes() {
        Dataset<Row> dates = spark().createDataFrame(List.of(RowFactory.create(Date.valueOf("2024-01-02"), 0.0)),
                new StructType().add("features", DataTypes.DateType).add("label", DataTypes.DoubleType));
        Dataset<Row> ints = spark().createDataFrame(List.of(RowFactory.create(7, 0.0)),
                new StructType().add("features", DataTypes.IntegerType).add("label", DataTypes.DoubleType));

        for (Dataset<Row> df : List.of(dates, ints)) {
            String type = df.schema().apply("features").dataType().simpleString();
            assertThatThrownBy(() -> tiny().fit(df)).as(type)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("features column 'features' has type " + type)
                    .hasMessageContaining("allowed: binary (uint8 pixels), array of numbers, ml.linalg.Vector"
                            + " (images) or string (text)");
        }
    }

    @Test
    void aStringLabelColumnSaysToIndexItWithStringIndexer() {
        Dataset<Row> df = spark().createDataFrame(List.of(RowFactory.create(new int[16], "coat")),
                new StructType().add("pixels", INTS).add("label", DataTypes.StringType));

        assertThatThrownBy(() -> tiny().setFeaturesCol("pixels").setImageHeight(4).setImageWidth(4).fit(df))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("label column 'label' has type string")
                .hasMessageContaining("class indices 0..K-1").hasMessageContaining("StringIndexer");
    }

    @Test
    void anImageSizeThatDoesNotMatchTheArraysNamesBothCounts() {
        assertThatThrownBy(() -> tiny().setFeaturesCol("pixels").setImageHeight(20).setImageWidth(20)
                .setNumClasses(10).fit(fixtureRows(40)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pixels column 'pixels': 40 of 40 rows have the wrong number of pixels:"
                        + " found 784, expected 400 (20x20x1)");
    }

    @Test
    void anImageColumnWithoutAKnownSizeAsksForImageHeightAndWidth() {
        assertThatThrownBy(() -> tiny().setFeaturesCol("pixels").fit(images(4, i -> 0, 40)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("features column 'pixels'")
                .hasMessageContaining("set imageHeight and imageWidth");
    }

    // ---- pixel values ----

    @Test
    void nanAndNegativePixelsFailFitWithTheCountAndTheValue() {
        Dataset<Row> nan = fixtureRows(40, DOUBLES, (row, pixels) -> {
            if (row == 7) {
                pixels[500] = Double.NaN;
            }
        });
        Dataset<Row> negative = fixtureRows(40, INTS, (row, pixels) -> {
            if (row == 3 || row == 30) {
                pixels[700] = -3;
            }
        });

        assertThatThrownBy(() -> fitFixtureShape(nan)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pixels column 'pixels': 1 of 40 rows have pixel values that are not whole"
                        + " numbers in 0..255, e.g. NaN in [0.0, 0.0, ");
        assertThatThrownBy(() -> fitFixtureShape(negative)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pixels column 'pixels': 2 of 40 rows have pixel values that are not whole"
                        + " numbers in 0..255, e.g. -3 in [0, 0, ");
    }

    @Test
    void nanAndNegativePixelsFailTransformNamingTheColumnAndTheValue() {
        Dataset<Row> nan = fixtureRows(10, DOUBLES, (row, pixels) -> {
            if (row == 4) {
                pixels[500] = Double.NaN;
            }
        });
        Dataset<Row> negative = fixtureRows(10, INTS, (row, pixels) -> {
            if (row == 6) {
                pixels[700] = -3;
            }
        });

        assertThat(rootMessage(() -> imageModel.transform(nan).collectAsList()))
                .contains("pixels column 'pixels': pixel value NaN is outside the allowed values, whole numbers"
                        + " in 0..255");
        assertThat(rootMessage(() -> imageModel.transform(negative).collectAsList()))
                .contains("pixels column 'pixels': pixel value -3 is outside the allowed values, whole numbers"
                        + " in 0..255");
    }

    @Test
    void pixelMaxOneTrainsOnValuesInZeroToOneAndRejectsLargerOnes() {
        DptrainClassificationModel model = tiny().setFeaturesCol("pixels").setImageHeight(4).setImageWidth(4)
                .setPixelMax(1).fit(images(4, i -> (i % 2) * 0.25 + 0.5, 40));

        assertThat(model.numClasses()).isEqualTo(2);
        assertThat(model.transform(images(4, i -> 1.0, 4)).count()).isEqualTo(4);
        assertThatThrownBy(() -> tiny().setFeaturesCol("pixels").setImageHeight(4).setImageWidth(4).setPixelMax(1)
                .fit(images(4, i -> i == 5 ? 2.0 : 0.5, 40)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pixels column 'pixels': 40 of 40 rows have pixel values that are not numbers"
                        + " in 0..1.0");
        assertThat(rootMessage(() -> model.transform(images(4, i -> 1.5, 4)).collectAsList()))
                .contains("pixels column 'pixels': pixel value 1.5 is outside the allowed values, numbers in 0..1.0");
    }

    // ---- labels ----

    @Test
    void aLabelOutsideTheClassesIsCountedAndShown() {
        Dataset<Row> five = labelled(0.0, 1.0, 2.0, 5.0, 1.0);

        assertThatThrownBy(() -> tiny().setFeaturesCol("pixels").setImageHeight(4).setImageWidth(4).setNumClasses(3)
                .fit(five))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("label column 'label': 1 of 5 rows have a label that is not a class index"
                        + " (a whole number in 0..2), e.g. 5.0");
    }

    @Test
    void aLabelThatIsNotAWholeNumberIsCountedAndShown() {
        Dataset<Row> half = labelled(0.0, 1.5, 2.0, 1.0);

        assertThatThrownBy(() -> tiny().setFeaturesCol("pixels").setImageHeight(4).setImageWidth(4).setNumClasses(3)
                .fit(half))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("label column 'label': 1 of 4 rows have a label that is not a class index"
                        + " (a whole number in 0..2), e.g. 1.5");
        assertThatThrownBy(() -> tiny().setFeaturesCol("pixels").setImageHeight(4).setImageWidth(4)
                .fit(labelled(0.0, 1.5)))
                .as("without numClasses the classes come from the largest label, which must be whole")
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("label column 'label': its largest label is 1.5")
                .hasMessageContaining("set numClasses or index the labels with StringIndexer");
    }

    // ---- text ----

    @Test
    void nullTextsAreCountedAndLoggedNotACrash() {
        assertThat(textModel.numClasses()).isEqualTo(2);
        assertThat(textFitLog).anySatisfy(line -> assertThat(line).contains("text column 'text': " + NULL_TEXTS
                + " of " + textRows + " rows have no text (null); they are read as empty texts"));
    }

    @Test
    void transformReadsANullTextAsAnEmptyText() {
        Dataset<Row> df = spark().createDataFrame(Arrays.asList(RowFactory.create((String) null),
                RowFactory.create("")), new StructType().add("text", DataTypes.StringType));

        List<Row> out = textModel.transform(df).select("probability").collectAsList();

        Vector ofNull = out.get(0).getAs(0);
        Vector ofEmpty = out.get(1).getAs(0);
        assertThat(ofNull.toArray()).containsExactly(ofEmpty.toArray());
    }

    // ---- a model against a table of another shape ----

    @Test
    void aLoadedImageModelGivenArraysOfAnotherSizeFailsNamingTheColumnAndTheCount() {
        Dataset<Row> small = images(10, i -> 0, 4);

        assertThat(rootMessage(() -> imageModel.transform(small).collectAsList()))
                .contains("pixels column 'pixels': a row has 100 pixel values, the model takes 784 (28x28x1)");
    }

    @Test
    void aTextModelGivenAnImageColumnFailsInTransformSchema() {
        DptrainClassificationModel model = textModel.copy(new ParamMap()).setFeaturesCol("pixels");
        Dataset<Row> images = images(4, i -> 0, 2);

        assertThatThrownBy(() -> model.transformSchema(images.schema()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("features column 'pixels' has type array<int>, but this model reads texts:"
                        + " string");
        assertThatThrownBy(() -> model.transform(images)).hasMessageContaining("features column 'pixels' has type");
    }

    @Test
    void anImageModelGivenAStringColumnFailsInTransformSchema() {
        StructType texts = new StructType().add("pixels", DataTypes.StringType);

        assertThatThrownBy(() -> imageModel.transformSchema(texts))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("features column 'pixels' has type string, but this model reads images"
                        + " (28x28x1): binary, array of numbers or ml.linalg.Vector");
    }

    @Test
    void anOutputColumnThatExistsAlreadyIsNamed() {
        Dataset<Row> withPrediction = fixtureRows(4).withColumn("prediction", org.apache.spark.sql.functions.lit(1.0));

        assertThatThrownBy(() -> imageModel.transform(withPrediction))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("output column 'prediction' already exists in the input [label, pixels,"
                        + " prediction]").hasMessageContaining("setPredictionCol");
        assertThatThrownBy(() -> tiny().setFeaturesCol("pixels").setImageHeight(28).setImageWidth(28)
                .fit(withPrediction))
                .as("the estimator checks before it trains")
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("output column 'prediction' already exists in the input");
    }

    // ---- settings ----

    @Test
    void aPresetThatDoesNotReadTheDataSaysWhichDo() {
        Dataset<Row> texts = spark().createDataFrame(List.of(RowFactory.create("hello there", 0.0),
                RowFactory.create("good bye", 1.0)), new StructType().add("text", DataTypes.StringType)
                .add("label", DataTypes.DoubleType));

        assertThatThrownBy(() -> tiny().setPreset("lenet").setFeaturesCol("text").fit(texts))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("preset lenet reads images, but features column 'text' holds text")
                .hasMessageContaining("lstm").hasMessageContaining("rnn");
        assertThatThrownBy(() -> tiny().setPreset("lstm").setFeaturesCol("pixels").setImageHeight(4).setImageWidth(4)
                .fit(images(4, i -> 0, 40)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("preset lstm reads text, but features column 'pixels' holds images")
                .hasMessageContaining("mlp, lenet or vgg-mini");
    }

    @Test
    void checkpointSettingsInConfigWriteCheckpointsAsTrainDoes() throws Exception {
        Path dir = tmp.resolve("fit-checkpoints");
        tiny().setFeaturesCol("pixels").setImageHeight(28).setImageWidth(28).setNumClasses(10)
                .setConfig(TINY + "\ncheckpoint.dir = \"" + dir + "\"\ncheckpoint.keep = 10").fit(fixtureRows(48));

        // 2 workers x 24 rows, batch 8: 3 batches, one round of parameter averaging (default k = 5) in the epoch
        try (var files = java.nio.file.Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString()).filter(n -> !n.startsWith(".")))
                    .containsExactly("ckpt-00000001.bin");
        }
        assertThatThrownBy(() -> tiny().setEngineMode("single-process").setFeaturesCol("pixels").setImageHeight(28)
                .setImageWidth(28).setNumClasses(10).setConfig(TINY + "\ncheckpoint.dir = \"" + dir + "\"")
                .fit(fixtureRows(48)))
                .hasMessageContaining("dptrain.engine.mode = 'single-process' does not support checkpoints");
    }

    @Test
    void aBadTypedSettingFailsWithTheConfigKeyAndWhatIsAllowed() {
        assertThatThrownBy(() -> new DptrainClassifier().setEpochs(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("epochs = 0").hasMessageContaining("dptrain.train.epochs must be >= 1, got 0");
        assertThatThrownBy(() -> new DptrainClassifier().setEngineMode("nope"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("engineMode = nope")
                .hasMessageContaining("dptrain.engine.mode = 'nope' is not allowed; allowed: parameter-averaging,"
                        + " gradient-averaging, single-process, dl4j-spark");
    }

    @Test
    void anUnknownConfigKeyIsNamed() {
        assertThatThrownBy(() -> new DptrainClassifier().setConfig("no.such.key = 1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown config key 'dptrain.no.such.key'");
    }

    // ---- ML persistence of the estimator ----

    @Test
    void theEstimatorsParamsSurviveSavingAndLoading() throws Exception {
        DptrainClassifier classifier = configured();
        String path = tmp.resolve("estimator").toString();

        classifier.write().save(path);
        DptrainClassifier loaded = DptrainClassifier.load(path);

        assertThat(loaded.uid()).isEqualTo(classifier.uid());
        assertSameParams(loaded, classifier);
    }

    @Test
    void anUnfittedPipelineWithTheEstimatorSurvivesSavingAndLoading() throws Exception {
        DptrainClassifier classifier = configured();
        StringIndexer indexer = new StringIndexer().setInputCol("name").setOutputCol("y");
        String path = tmp.resolve("pipeline").toString();

        new Pipeline().setStages(new PipelineStage[] {indexer, classifier}).write().save(path);
        PipelineStage[] stages = Pipeline.load(path).getStages();

        assertThat(stages).hasSize(2);
        assertThat(stages[0].uid()).isEqualTo(indexer.uid());
        assertThat(stages[1]).isInstanceOf(DptrainClassifier.class);
        assertThat(stages[1].uid()).isEqualTo(classifier.uid());
        assertSameParams((DptrainClassifier) stages[1], classifier);
    }

    /** An estimator with Params of every kind set (string, int, long, double, HOCON), others at their defaults. */
    private static DptrainClassifier configured() {
        return new DptrainClassifier().setFeaturesCol("image").setLabelCol("y").setPredictionCol("p")
                .setProbabilityCol("").setNumClasses(3).setImageHeight(4).setImageWidth(5).setImageChannels(3)
                .setPixelMax(1).setValidationFraction(0.25).setPreset("mlp").setEpochs(3).setBatchSize(16)
                .setLearningRate(0.01).setUpdater("sgd").setEngineMode("gradient-averaging").setWorkers(2)
                .setSeed(7L).setConfig(TINY);
    }

    private static void assertSameParams(DptrainClassifier actual, DptrainClassifier expected) {
        assertThat(Arrays.stream(actual.params()).map(Param::name))
                .containsExactlyElementsOf(Arrays.stream(expected.params()).map(Param::name).toList());
        for (Param<?> p : expected.params()) {
            Param<Object> a = actual.getParam(p.name());
            assertThat(actual.isSet(a)).as("%s is set", p.name()).isEqualTo(expected.isSet(p));
            assertThat(actual.getOrDefault(a)).as(p.name()).isEqualTo(value(expected, p.name()));
        }
    }

    private static Object value(Params owner, String name) {
        return owner.getOrDefault(owner.getParam(name));
    }

    // ---- helpers ----

    /** Fits the fixture's shape (28x28, 10 classes) with a tiny network. */
    private static DptrainClassificationModel fitFixtureShape(Dataset<Row> df) {
        return tiny().setFeaturesCol("pixels").setImageHeight(28).setImageWidth(28).setNumClasses(10).fit(df);
    }

    /** The first {@code n} fixture training images: {@code label} (double), {@code pixels} (array&lt;int&gt;). */
    private static Dataset<Row> fixtureRows(int n) {
        return fixtureRows(n, INTS, (row, pixels) -> { });
    }

    /** Changes the pixel values of one row before it becomes a DataFrame row. */
    private interface Edit {
        void apply(int row, double[] pixels);
    }

    /** The first {@code n} fixture images as {@code label} (double) and {@code pixels} of {@code type}, edited. */
    private static Dataset<Row> fixtureRows(int n, DataType type, Edit edit) {
        LabeledImages images = Fixtures.train();
        int size = images.shape().pixelsPerImage();
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double[] pixels = new double[size];
            for (int p = 0; p < size; p++) {
                pixels[p] = images.pixels()[i * size + p] & 0xFF;
            }
            edit.apply(i, pixels);
            Object values = type.equals(INTS) ? Arrays.stream(pixels).mapToInt(v -> (int) v).toArray() : pixels;
            rows.add(RowFactory.create((double) images.label(i), values));
        }
        return spark().createDataFrame(rows, new StructType().add("label", DataTypes.DoubleType).add("pixels", type));
    }

    /** {@code rows} synthetic images of side x side pixels, pixel i = value(i) (ints if all whole); labels 0, 1, 0, ... */
    private static Dataset<Row> images(int side, IntFunction<Number> value, int rows) {
        double[] pixels = new double[side * side];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = value.apply(i).doubleValue();
        }
        boolean whole = Arrays.stream(pixels).allMatch(v -> v == Math.rint(v));
        Object values = whole ? Arrays.stream(pixels).mapToInt(v -> (int) v).toArray() : pixels;
        List<Row> out = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            out.add(RowFactory.create((double) (r % 2), values));
        }
        return spark().createDataFrame(out, new StructType().add("label", DataTypes.DoubleType)
                .add("pixels", whole ? INTS : DOUBLES));
    }

    /** 4x4 images, one per label. */
    private static Dataset<Row> labelled(double... labels) {
        List<Row> rows = new ArrayList<>();
        for (double label : labels) {
            rows.add(RowFactory.create(label, new int[16]));
        }
        return spark().createDataFrame(rows, new StructType().add("label", DataTypes.DoubleType).add("pixels", INTS));
    }

    /**
     * The message of the innermost cause of what {@code action} throws: a bad value found while a Spark
     * job runs comes out as a SparkException ("Job aborted due to stage failure ...") wrapping the task's
     * exception, whose message is the one that names the column and the value.
     */
    private static String rootMessage(Runnable action) {
        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(action::run);
        assertThat(thrown).as("the action fails").isNotNull();
        Throwable root = thrown;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage();
    }
}
