package io.dptrain.engine.spark;

import io.dptrain.RoundMetrics;
import io.dptrain.RunPlan;
import io.dptrain.Trainer;
import io.dptrain.TrainingListener;
import io.dptrain.TrainingResult;
import io.dptrain.config.DptrainConfig;
import io.dptrain.engine.Shards;
import io.dptrain.engine.TrainerListeners;
import io.dptrain.engine.TrainingData;
import io.dptrain.model.Networks;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The baseline: DL4J's own dl4j-spark {@code ParameterAveragingTrainingMaster} on the same shards,
 * minibatches and network, with averaging frequency {@code dptrain.engine.local-steps}. It is kept
 * to measure dptrain against, not to train with. dl4j-spark runs a whole epoch per {@code fit}, so
 * here one round is one epoch and the communication fields of the metrics are zero (unmeasured).
 * Its defaults are kept (e.g. saveUpdater), except Direct training on the in-memory RDD and no
 * repartitioning, so that both engines see the same shards.
 */
public final class Dl4jSparkTrainer implements Trainer {
    private final SparkSession spark;
    private final DptrainConfig config;
    private final TrainerListeners listeners = new TrainerListeners();

    public Dl4jSparkTrainer(SparkSession spark, DptrainConfig config) {
        this.spark = Objects.requireNonNull(spark, "spark");
        this.config = Objects.requireNonNull(config, "config");
    }

    @Override
    public Dl4jSparkTrainer addListener(TrainingListener listener) {
        listeners.add(listener);
        return this;
    }

    @Override
    public TrainingResult fit(Dataset<Row> train) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int workers = config.engine().workers() > 0 ? config.engine().workers() : jsc.defaultParallelism();
        int batchSize = config.train().batchSize();
        Dataset<Row> table = TrainingData.checked(train, config);
        Shards shards = Shards.build(table, workers, TrainingData.codec(table, config), config.train().seed());
        // Not persisted here: dl4j-spark persists the RDD it is given with its own storage level.
        org.nd4j.linalg.api.buffer.DataType dataType = Networks.dataType(config);
        JavaRDD<DataSet> batches = shards.rdd().flatMap(s -> s.examples().minibatches(batchSize, dataType).iterator());
        batches.setName("dl4j-spark minibatches");
        try {
            ParameterAveragingTrainingMaster master = new ParameterAveragingTrainingMaster.Builder(batchSize)
                    .batchSizePerWorker(batchSize)
                    .averagingFrequency(config.engine().localSteps())
                    .aggregationDepth(config.engine().aggregationDepth())
                    .workerPrefetchNumBatches(0)
                    .rddTrainingApproach(RDDTrainingApproach.Direct)
                    .repartionData(Repartition.Never)
                    .rngSeed(config.train().seed())
                    .build();
            SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(jsc, Networks.create(config), master);
            RunPlan plan = new RunPlan("dl4j-spark", workers, config.train().epochs(), 1, shards.examples());
            List<RoundMetrics> rounds = new ArrayList<>();
            listeners.onStart(plan);
            long start = System.currentTimeMillis();
            for (int epoch = 1; epoch <= plan.epochs(); epoch++) {
                jsc.setJobDescription("dl4j-spark epoch " + epoch + "/" + plan.epochs());
                long t0 = System.currentTimeMillis();
                sparkNet.fit(batches);
                long ms = System.currentTimeMillis() - t0;
                RoundMetrics m = new RoundMetrics(epoch, epoch, sparkNet.getScore(), shards.examples(), 0, 0, 0, 0,
                        0, 0, 0, ms);
                rounds.add(m);
                listeners.onRound(m, sparkNet.getNetwork());
                listeners.onEpochEnd(epoch, sparkNet.getNetwork());
            }
            TrainingResult result = new TrainingResult(sparkNet.getNetwork(), plan, rounds,
                    System.currentTimeMillis() - start);
            listeners.onEnd(result);
            return result;
        } catch (RuntimeException e) {
            listeners.onEnd(null);
            throw e;
        } finally {
            jsc.setJobDescription(null);
            batches.unpersist(false);
            shards.release();
        }
    }
}
