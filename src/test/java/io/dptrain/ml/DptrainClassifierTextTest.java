package io.dptrain.ml;

import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.dptrain.LocalSparkTest;
import io.dptrain.data.text.LabeledTexts;
import io.dptrain.data.text.SpamAssassinCorpus;
import io.dptrain.data.text.TextTable;
import io.dptrain.engine.TrainingData;
import io.dptrain.report.EvaluationReport;
import io.dptrain.report.Evaluator;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark ML API on raw text: the committed SpamAssassin fixture (43 real mails) as a plain
 * DataFrame with a string {@code text} column; fit builds the vocabulary and the model carries it.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DptrainClassifierTextTest extends LocalSparkTest {
    private static Dataset<Row> mails;
    private static PipelineModel fitted;

    @BeforeAll
    static void fitOnce() {
        String folder = Path.of(System.getProperty("dptrain.fixtures", "src/test/resources/fixtures"), "spam-mini")
                .toString();
        mails = SpamAssassinCorpus.read(spark(), folder).messages().select("text", "label").cache();
        StringIndexer indexer = new StringIndexer().setInputCol("label").setOutputCol("labelIndex");
        DptrainClassifier lstm = new DptrainClassifier().setFeaturesCol("text").setLabelCol("labelIndex")
                .setEngineMode("gradient-averaging").setWorkers(2).setEpochs(3).setBatchSize(8).setMaxLength(60)
                .setVocabularySize(800).setMinCount(1).setLearningRate(0.01)
                .setConfig("model.lstm { embedding-size = 16, hidden-size = 16, pooling = avg }\n"
                        + "train.progress-every = 0");
        fitted = new Pipeline().setStages(new PipelineStage[] {indexer, lstm}).fit(mails);
    }

    private static DptrainClassificationModel model() {
        return (DptrainClassificationModel) fitted.stages()[1];
    }

    @Test
    void anLstmIsTrainedWithTheVocabularyOfTheTrainingTexts() {
        assertThat(model().network().getLayerWiseConfigurations().toJson()).contains("LSTM");
        ModelInput.Texts input = (ModelInput.Texts) model().input();
        assertThat(input.vocabulary().size()).isBetween(100, 800);
        assertThat(input.shape().maxLength()).isEqualTo(60);
        assertThat(model().classNames()).containsExactlyInAnyOrder("spam", "ham");
    }

    @Test
    void sparksEvaluatorAgreesWithDptrainsOwnOnTheSameModel() {
        Dataset<Row> predicted = fitted.transform(mails);
        double sparkAccuracy = new MulticlassClassificationEvaluator().setLabelCol("labelIndex")
                .setMetricName("accuracy").evaluate(predicted);

        ModelInput.Texts input = (ModelInput.Texts) model().input();
        Dataset<Row> indexed = fitted.stages()[0].transform(mails);
        Dataset<Row> texts = indexed.select(indexed.col("text").as(TextTable.TEXT),
                indexed.col("labelIndex").cast("int").as(TextTable.LABEL));
        Dataset<Row> prepared = TextTable.prepare(new LabeledTexts(texts, model().classNames(), Map.of()),
                input.vocabulary(), input.shape().maxLength()).table();
        EvaluationReport own;
        try (Evaluator evaluator = new Evaluator(prepared, TrainingData.codecOf(prepared))) {
            own = evaluator.evaluate(model().network());
        }

        assertThat(own.examples()).isEqualTo(43);
        assertThat(sparkAccuracy).isCloseTo(own.accuracy(), within(1e-12));
    }

    @Test
    void pipelineModelSavedAndLoadedPredictsIdenticalProbabilities(@TempDir Path tmp) throws Exception {
        String path = tmp.resolve("spam-pipeline").toString();
        fitted.write().save(path);

        PipelineModel loaded = PipelineModel.load(path);

        assertThat(loaded.transform(mails).select("probability").collectAsList())
                .isEqualTo(fitted.transform(mails).select("probability").collectAsList());
        assertThat(tmp.resolve("spam-pipeline/stages")).isDirectory();
    }

    @Test
    void aMissingTextIsPredictedAsAnEmptyOne() {
        Dataset<Row> texts = spark().createDataFrame(List.of(org.apache.spark.sql.RowFactory.create((String) null),
                        org.apache.spark.sql.RowFactory.create("")),
                new org.apache.spark.sql.types.StructType().add("text", DataTypes.StringType));

        List<Row> rows = model().transform(texts).select("probability").collectAsList();

        assertThat(rows).hasSize(2);
        assertThat(rows.get(0)).isEqualTo(rows.get(1));
        Vector p = rows.get(0).getAs(0);
        assertThat(p.size()).isEqualTo(2);
    }

    @Test
    void dataSettingsGivenOnlyInConfigShapeTheTexts() {
        Dataset<Row> indexed = fitted.stages()[0].transform(mails);

        DptrainClassificationModel model = new DptrainClassifier().setFeaturesCol("text").setLabelCol("labelIndex")
                .setEpochs(1).setWorkers(2).setMinCount(1)
                .setConfig("data { max-length = 30, vocabulary-size = 300 }\n"
                        + "model.lstm { embedding-size = 8, hidden-size = 8 }\ntrain.progress-every = 0")
                .fit(indexed);

        ModelInput.Texts input = (ModelInput.Texts) model.input();
        assertThat(input.shape().maxLength()).isEqualTo(30);
        assertThat(input.vocabulary().size()).isLessThanOrEqualTo(300);
    }

    @Test
    void fitCountsNullTextsInsteadOfFailing() {
        Dataset<Row> withNull = mails.union(mails.limit(1).select(lit(null).cast("string").as("text"),
                mails.col("label")));

        PipelineModel model = new Pipeline().setStages(new PipelineStage[] {
                new StringIndexer().setInputCol("label").setOutputCol("labelIndex"),
                new DptrainClassifier().setFeaturesCol("text").setLabelCol("labelIndex").setEpochs(1).setWorkers(2)
                        .setMaxLength(20).setVocabularySize(200).setMinCount(1)
                        .setConfig("model.lstm { embedding-size = 8, hidden-size = 8 }\ntrain.progress-every = 0")})
                .fit(withNull);

        assertThat(model.transform(withNull).count()).isEqualTo(44);
    }
}
