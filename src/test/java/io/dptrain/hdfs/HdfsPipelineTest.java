package io.dptrain.hdfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.dptrain.data.Fixtures;
import io.dptrain.engine.spark.RoundEngineSettings;
import io.dptrain.ml.DptrainClassificationModel;
import io.dptrain.ml.DptrainClassifier;
import io.dptrain.ml.MlTables;
import java.io.File;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Spark ML API's persistence on a real HDFS (a {@link MiniHdfs} in this JVM), reached only by full
 * {@code hdfs://127.0.0.1:<port>} URIs while Spark's default file system stays the local one: a
 * {@code PipelineModel} (StringIndexer + DptrainClassifier) and a {@link DptrainClassificationModel} on
 * its own are saved there, loaded back and predict exactly as before, and no temporary folder of the
 * atomic save is left behind. Spark runs as {@code local[2]} in a session of this class (the cluster
 * tier's JVM holds one SparkContext at a time, so it is stopped at the end). Runs in the surefire
 * execution of the tag "cluster".
 */
@Tag("cluster")
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class HdfsPipelineTest {
    private static MiniHdfs hdfs;
    private static SparkSession spark;
    private static Dataset<Row> test;
    private static PipelineModel fitted;

    @BeforeAll
    static void startHdfsAndSparkAndFit() {
        hdfs = MiniHdfs.start("pipeline-test");
        File tmp = new File(System.getProperty("java.io.tmpdir"));
        spark = SparkSession.builder().master("local[2]").appName("dptrain-hdfs-pipeline-test")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.local.dir", new File(tmp, "spark-local").getAbsolutePath())
                .config("spark.sql.warehouse.dir", new File(tmp, "spark-warehouse").getAbsolutePath())
                .config(RoundEngineSettings.applyDefaults(new SparkConf()))
                .getOrCreate();
        assertThat(spark.sparkContext().master()).as("this class's own session").isEqualTo("local[2]");
        assertThat(spark.sparkContext().hadoopConfiguration().get(FileSystem.FS_DEFAULT_NAME_KEY))
                .as("HDFS is reached by full URIs only").isEqualTo("file:///");

        test = MlTables.namedArrays(spark, Fixtures.test()).cache();
        StringIndexer indexer = new StringIndexer().setInputCol("name").setOutputCol("label");
        DptrainClassifier mlp = new DptrainClassifier().setFeaturesCol("pixels").setImageHeight(28).setImageWidth(28)
                .setPreset("mlp").setConfig("model.mlp.hidden = [8]\ntrain.progress-every = 0").setEpochs(1)
                .setWorkers(2).setBatchSize(32);
        fitted = new Pipeline().setStages(new PipelineStage[] {indexer, mlp})
                .fit(MlTables.namedArrays(spark, Fixtures.train()));
    }

    @AfterAll
    static void stopSparkAndHdfs() {
        if (spark != null) {
            spark.stop();
        }
        if (hdfs != null) {
            hdfs.close();
        }
    }

    /** Saved twice (the second save replaces the first), loaded with PipelineModel.load: the same probabilities. */
    @Test
    void aPipelineModelSavedToHdfsLoadsAndPredictsIdenticalProbabilities() throws Exception {
        Path folder = hdfs.path("/models/pipeline");
        String uri = folder.toString();
        fitted.write().overwrite().save(uri);
        fitted.write().overwrite().save(uri);

        PipelineModel loaded = PipelineModel.load(uri);

        assertThat(loaded.stages()).hasSize(2);
        assertThat(loaded.stages()[1].uid()).isEqualTo(model().uid());
        assertThat(loaded.transform(test).select("probability").collectAsList())
                .isEqualTo(fitted.transform(test).select("probability").collectAsList());
        String stage = "stages/1_" + model().uid() + "/";
        assertThat(hdfs.listFiles(folder)).contains("metadata/part-00000", stage + "metadata/part-00000",
                stage + "data/model.zip", stage + "data/input.json");
        assertNoTemporaryFilesOnHdfs();
    }

    /** DptrainClassificationModel.load reads a model saved alone to HDFS: same network, classes, probabilities. */
    @Test
    void aModelSavedAloneToHdfsLoadsWithItsParamsAndPredictsIdentically() throws Exception {
        Path folder = hdfs.path("/models/alone");
        model().write().save(folder.toString());

        DptrainClassificationModel loaded = DptrainClassificationModel.load(folder.toString());

        assertThat(loaded.uid()).isEqualTo(model().uid());
        assertThat(loaded.getFeaturesCol()).isEqualTo("pixels");
        assertThat(loaded.classNames()).isEqualTo(model().classNames());
        assertThat(loaded.network().params().equalsWithEps(model().network().params(), 0)).isTrue();
        Dataset<Row> indexed = fitted.stages()[0].transform(test);
        assertThat(loaded.transform(indexed).select("probability").collectAsList())
                .isEqualTo(model().transform(indexed).select("probability").collectAsList());
        assertThat(hdfs.listFiles(folder)).containsExactly("data/input.json", "data/model.zip",
                "metadata/_SUCCESS", "metadata/part-00000");
        assertNoTemporaryFilesOnHdfs();
    }

    private static DptrainClassificationModel model() {
        return (DptrainClassificationModel) fitted.stages()[1];
    }

    /** Neither the model writer's hidden {@code .<name>.tmp-<uuid>} folder nor Hadoop's {@code _temporary} remains. */
    private static void assertNoTemporaryFilesOnHdfs() {
        List<String> everything = hdfs.listFiles(hdfs.path("/"));
        assertThat(everything).as("every file on the HDFS").isNotEmpty();
        assertThat(everything).as("temporary files or folders left behind on the HDFS")
                .noneMatch(f -> f.contains(".tmp-") || f.contains("_temporary"));
    }
}
