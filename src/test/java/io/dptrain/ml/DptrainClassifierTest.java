package io.dptrain.ml;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.dptrain.LocalSparkTest;
import io.dptrain.data.Fixtures;
import io.dptrain.data.ImageCodec;
import io.dptrain.data.ImageTable;
import io.dptrain.report.EpochEvaluation;
import io.dptrain.report.EvaluationReport;
import io.dptrain.report.Evaluator;
import io.dptrain.report.TrainingReport;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.IndexToString;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark ML API end to end on the committed Fashion-MNIST fixture read as plain DataFrames:
 * a Pipeline of StringIndexer and DptrainClassifier fits, transforms, evaluates with Spark's own
 * evaluator and survives saving and loading.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DptrainClassifierTest extends LocalSparkTest {
    private static Dataset<Row> train;
    private static Dataset<Row> test;
    private static PipelineModel fitted;

    @BeforeAll
    static void fitOnce() {
        train = MlTables.namedArrays(spark(), Fixtures.train()).cache();
        test = MlTables.namedArrays(spark(), Fixtures.test()).cache();
        StringIndexer indexer = new StringIndexer().setInputCol("name").setOutputCol("label");
        DptrainClassifier lenet = new DptrainClassifier().setFeaturesCol("pixels").setImageHeight(28)
                .setImageWidth(28).setPreset("lenet").setEngineMode("parameter-averaging").setWorkers(2)
                .setEpochs(2).setBatchSize(32).setValidationFraction(0.2).setConfig("train.progress-every = 0");
        fitted = new Pipeline().setStages(new PipelineStage[] {indexer, lenet}).fit(train);
    }

    private static DptrainClassificationModel model() {
        return (DptrainClassificationModel) fitted.stages()[1];
    }

    @Test
    void sparksEvaluatorAgreesWithDptrainsOwnOnTheSameModel() {
        Dataset<Row> predicted = fitted.transform(test);
        double sparkAccuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(predicted);

        Dataset<Row> indexed = fitted.stages()[0].transform(test);
        Dataset<Row> table = ImageTable.fromTable(indexed, "label", "pixels", new io.dptrain.data.ImageShape(28, 28, 1,
                10));
        EvaluationReport own;
        try (Evaluator evaluator = new Evaluator(table, new ImageCodec(ImageTable.shapeOf(table)))) {
            own = evaluator.evaluate(model().network());
        }

        assertThat(own.examples()).isEqualTo(200);
        assertThat(sparkAccuracy).isCloseTo(own.accuracy(), within(1e-12));
        assertThat(sparkAccuracy).as("better than chance (0.1) after 2 epochs on 600 images").isGreaterThan(0.5);
    }

    @Test
    void outputColumnsAreSparksClassifierColumnsAndNameTheClasses() {
        Dataset<Row> predicted = fitted.transform(test);
        assertThat(predicted.columns()).containsExactly("name", "pixels", "label", "rawPrediction", "probability",
                "prediction");
        Row first = predicted.select("probability", "rawPrediction", "prediction").first();
        Vector p = first.getAs(0);
        assertThat(p.size()).isEqualTo(10);
        assertThat(java.util.Arrays.stream(p.toArray()).sum()).isCloseTo(1.0, within(1e-5));
        assertThat(first.getDouble(2)).isEqualTo(p.argmax());
        assertThat(((Vector) first.getAs(1)).argmax()).isEqualTo(p.argmax());

        // The prediction's metadata names the classes, so IndexToString needs no labels.
        Dataset<Row> named = new IndexToString().setInputCol("prediction").setOutputCol("predictedName")
                .transform(predicted);
        assertThat(MlTables.NAMES).contains(named.first().<String>getAs("predictedName"));
        assertThat(model().classNames()).containsExactlyInAnyOrderElementsOf(MlTables.NAMES);
    }

    @Test
    void vectorFeaturesPredictExactlyAsArraysDo() {
        Dataset<Row> vectors = test.withColumn("pixels",
                org.apache.spark.ml.functions.array_to_vector(col("pixels").cast("array<double>")));

        List<Row> fromArrays = fitted.transform(test).select("probability").collectAsList();
        List<Row> fromVectors = fitted.transform(vectors).select("probability").collectAsList();

        assertThat(fromVectors).isEqualTo(fromArrays);
    }

    @Test
    void oneAndFourPartitionsGiveIdenticalPredictions() {
        List<Row> one = fitted.transform(test.repartition(1)).orderBy("pixels").select("prediction", "probability")
                .collectAsList();
        List<Row> four = fitted.transform(test.repartition(4)).orderBy("pixels").select("prediction", "probability")
                .collectAsList();

        assertThat(four).extracting(r -> r.getDouble(0)).isEqualTo(one.stream().map(r -> r.getDouble(0)).toList());
        // Probabilities agree to float precision: BLAS blocks a batch of 200 rows and one of 50 differently,
        // which moves the last bits of a float sum (measured: at most ~1e-7).
        double worst = 0;
        for (int i = 0; i < one.size(); i++) {
            double[] a = ((Vector) one.get(i).getAs(1)).toArray();
            double[] b = ((Vector) four.get(i).getAs(1)).toArray();
            for (int c = 0; c < a.length; c++) {
                worst = Math.max(worst, Math.abs(a[c] - b[c]));
            }
        }
        assertThat(worst).isLessThan(1e-6);
    }

    @Test
    void transformReadsTheInputWhereItLivesAndCollectsNothing(@TempDir Path tmp) {
        String parquet = tmp.resolve("test.parquet").toString();
        test.write().parquet(parquet);

        Dataset<Row> predicted = fitted.transform(spark().read().parquet(parquet));

        // The plan's only source is the Parquet scan: no rows were brought to the driver to build it.
        String plan = predicted.queryExecution().optimizedPlan().toString();
        assertThat(plan).contains("Relation").doesNotContain("LocalRelation");
        assertThat(predicted.queryExecution().optimizedPlan().toString()).contains("MapPartitions");
        predicted.write().parquet(tmp.resolve("predicted.parquet").toString());
        assertThat(spark().read().parquet(tmp.resolve("predicted.parquet").toString()).count()).isEqualTo(200);
    }

    @Test
    void pipelineModelSavedAndLoadedPredictsIdenticalProbabilities(@TempDir Path tmp) throws Exception {
        String path = tmp.resolve("pipeline").toString();
        fitted.write().overwrite().save(path);

        PipelineModel loaded = PipelineModel.load(path);

        assertThat(loaded.transform(test).select("probability").collectAsList())
                .isEqualTo(fitted.transform(test).select("probability").collectAsList());
        assertThat(loaded.stages()[1].uid()).isEqualTo(model().uid());
        assertThat(((DptrainClassificationModel) loaded.stages()[1]).getFeaturesCol()).isEqualTo("pixels");
        assertThat(((DptrainClassificationModel) loaded.stages()[1]).hasSummary()).isFalse();
        try (var files = Files.walk(tmp)) {
            assertThat(files.map(Path::getFileName).map(Path::toString)).noneMatch(n -> n.contains(".tmp-"));
        }
    }

    @Test
    void savedModelLoadsInPlainDl4j(@TempDir Path tmp) throws Exception {
        String path = tmp.resolve("model").toString();
        model().write().save(path);

        File zip = tmp.resolve("model").resolve("data").resolve("model.zip").toFile();
        MultiLayerNetwork plain = ModelSerializer.restoreMultiLayerNetwork(zip, false);

        assertThat(plain.params().equalsWithEps(model().network().params(), 0)).isTrue();
        assertThat(DptrainClassificationModel.load(path).network().params()
                .equalsWithEps(model().network().params(), 0)).isTrue();
    }

    @Test
    void theSummaryHoldsEveryRoundAndEpoch() {
        TrainingSummary summary = model().summary();

        assertThat(summary.totalRounds()).isEqualTo(summary.trainingResult().plan().totalRounds()).isPositive();
        assertThat(summary.rounds(spark()).count()).isEqualTo(summary.totalRounds());
        assertThat(summary.objectiveHistory()).hasSize(summary.totalRounds());
        assertThat(summary.trainingResult().plan().epochs()).isEqualTo(2);
        assertThat(summary.validation()).extracting(EpochEvaluation.Point::epoch).containsExactly(1, 2);
        assertThat(summary.epochs(spark()).count()).isEqualTo(2);
        long validationRows = summary.validationReport().examples();
        assertThat(validationRows + summary.trainingResult().plan().examplesPerEpoch()).as("a seeded 80/20 split")
                .isEqualTo(600);
        assertThat(summary.validation().get(1).accuracy()).isEqualTo(summary.validationReport().accuracy());
    }

    @Test
    void theSummaryDrawsTheTrainingReport() throws Exception {
        TrainingSummary summary = model().summary();

        String html = summary.reportHtml();
        java.awt.image.BufferedImage loss = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(
                summary.report().png(TrainingReport.Chart.LOSS, 400, 300)));

        assertThat(html).startsWith("<!DOCTYPE html>").contains("data:image/png;base64,");
        assertThat(loss.getWidth()).isEqualTo(400);
        assertThat(loss.getHeight()).isEqualTo(300);
    }
}
