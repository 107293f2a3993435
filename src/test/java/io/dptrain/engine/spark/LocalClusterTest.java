package io.dptrain.engine.spark;

import io.dptrain.TrainingResult;
import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import io.dptrain.data.Fixtures;
import io.dptrain.data.ImageTable;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.File;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real executor JVMs: {@code local-cluster[2,1,1024]} starts a master and two workers in this JVM,
 * each launching an executor JVM, so replicas, broadcasts and aggregation cross process
 * boundaries. The result must equal the local[2] run bit for bit. Runs in its own surefire
 * execution (tag "cluster"), because a JVM holds one SparkContext at a time.
 */
@Tag("cluster")
@Timeout(300)
class LocalClusterTest {

    @Test
    void localClusterGivesTheSameParametersAsLocalMode() {
        DptrainConfig config = ConfigLoader.load(null, List.of("model.preset=lenet", "model.lenet.conv1-filters=4",
                "model.lenet.conv2-filters=8", "model.lenet.dense=32", "train.batch-size=16", "train.epochs=1",
                "engine.mode=parameter-averaging", "engine.local-steps=3", "engine.workers=2", "data.train-limit=320"));

        INDArray local = train("local[2]", config).model().params();
        TrainingResult cluster = train("local-cluster[2,1,1024]", config);

        assertThat(cluster.rounds()).hasSize(4); // 10 batches per shard, k=3
        assertThat(cluster.model().params()).isEqualTo(local);
    }

    /**
     * engine.rounds-per-job on executor JVMs: the barrier job's tasks reach the driver's exchange hub over
     * TCP and decode each other's contributions with the executors' class loader. Same parameters as a job
     * per round in local mode.
     */
    @Test
    void barrierRoundsOnExecutorsGiveTheSameParametersAsAJobPerRoundInLocalMode() {
        List<String> settings = List.of("model.preset=lenet", "model.lenet.conv1-filters=4",
                "model.lenet.conv2-filters=8", "model.lenet.dense=32", "train.batch-size=16", "train.epochs=2",
                "engine.mode=gradient-averaging", "engine.workers=2", "data.train-limit=320");
        INDArray local = train("local[2]", ConfigLoader.load(null, settings)).model().params();
        List<String> barrier = new java.util.ArrayList<>(settings);
        barrier.add("engine.rounds-per-job=4");
        TrainingResult cluster = train("local-cluster[2,1,1024]", ConfigLoader.load(null, barrier));

        assertThat(cluster.rounds()).hasSize(20); // 10 batches per shard, 2 epochs
        assertThat(cluster.model().params()).isEqualTo(local);
    }

    private static TrainingResult train(String master, DptrainConfig config) {
        File tmp = new File(System.getProperty("java.io.tmpdir"));
        SparkSession spark = SparkSession.builder().master(master).appName("dptrain-cluster-test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.local.dir", new File(tmp, "spark-local").getAbsolutePath())
                // executors get the test classpath; surefire runs without a manifest-only jar
                .config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                .config("spark.executor.extraJavaOptions", "-Djava.io.tmpdir=" + tmp.getAbsolutePath())
                .config(RoundEngineSettings.applyDefaults(new org.apache.spark.SparkConf()))
                .getOrCreate();
        try {
            return new SparkTrainer(spark, config).fit(ImageTable.fromImages(spark, Fixtures.train()));
        } finally {
            spark.stop();
        }
    }
}
