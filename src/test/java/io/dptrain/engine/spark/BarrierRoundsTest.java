package io.dptrain.engine.spark;

import io.dptrain.LocalSparkTest;
import io.dptrain.RoundMetrics;
import io.dptrain.TrainingListener;
import io.dptrain.TrainingResult;
import io.dptrain.config.ConfigException;
import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import io.dptrain.data.Fixtures;
import io.dptrain.data.ImageTable;
import io.dptrain.engine.Shards;
import io.dptrain.engine.TrainingData;
import io.dptrain.model.Networks;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;

import static io.dptrain.engine.spark.DistributedEqualsLocalTest.relativeDifference;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code engine.rounds-per-job > 1} runs blocks of rounds in one barrier job whose tasks exchange their
 * contributions and each apply the sum: it must compute exactly what one job per round computes (two
 * workers: the sums are the same two terms, so bit for bit), including across epochs, with the outer
 * momentum and the driver's updater, and stop at the time budget.
 */
@Tag("spark")
@Timeout(300)
class BarrierRoundsTest extends LocalSparkTest {
    private static final int BATCH = 8;
    private static final int ROWS = 160; // 2 shards x 10 batches of 8

    private static DptrainConfig config(String mode, String... more) {
        List<String> settings = new ArrayList<>(List.of("model.preset=lenet", "model.lenet.conv1-filters=4",
                "model.lenet.conv2-filters=8", "model.lenet.dense=32", "train.updater=adam",
                "train.learning-rate=0.005", "train.learning-rate-decay=0.5", "train.batch-size=" + BATCH,
                "train.epochs=2", "engine.mode=" + mode, "engine.workers=2", "engine.local-steps=3",
                "data.train-limit=" + ROWS, "train.progress-every=0"));
        settings.addAll(List.of(more));
        return ConfigLoader.load(null, settings);
    }

    private static Shards shards(DptrainConfig config) {
        Dataset<Row> table = TrainingData.checked(ImageTable.fromImages(spark(), Fixtures.train()), config);
        return Shards.build(table, config.engine().workers(), TrainingData.codec(table, config), config.train().seed());
    }

    /** Every epoch end the listeners see, with the network's parameters at that moment. */
    private static final class EpochEnds implements TrainingListener {
        final List<Integer> epochs = new ArrayList<>();
        final List<double[]> params = new ArrayList<>();

        @Override
        public void onEpochEnd(int epoch, MultiLayerNetwork model) {
            epochs.add(epoch);
            params.add(model.params().toDoubleVector());
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "gradient-averaging, engine.exchange=float32",
            "gradient-averaging, engine.exchange=float16",
            "parameter-averaging, engine.outer.optimizer=none",
            "parameter-averaging, engine.outer.optimizer=nesterov",
            "parameter-averaging, engine.updater-state=per-replica"})
    void barrierJobsComputeBitForBitWhatAJobPerRoundComputes(String mode, String setting) {
        // 7 rounds a job: jobs end inside an epoch and at its end (GA: 10 rounds an epoch, PA k=3: 4).
        DptrainConfig perRound = config(mode, setting, "engine.outer.learning-rate=0.7", "engine.outer.momentum=0.9");
        DptrainConfig barrier = config(mode, setting, "engine.outer.learning-rate=0.7", "engine.outer.momentum=0.9",
                "engine.rounds-per-job=7");
        Shards shards = shards(perRound);
        try {
            EpochEnds perRoundEpochs = new EpochEnds();
            EpochEnds barrierEpochs = new EpochEnds();
            TrainingResult expected = DistributedEqualsLocalTest.trainOnShards(perRound, shards, perRoundEpochs);
            TrainingResult actual = DistributedEqualsLocalTest.trainOnShards(barrier, shards, barrierEpochs);

            int rounds = "gradient-averaging".equals(mode) ? 20 : 8;
            assertThat(actual.rounds()).hasSize(rounds);
            assertThat(actual.rounds().stream().map(RoundMetrics::round).toList())
                    .isEqualTo(expected.rounds().stream().map(RoundMetrics::round).toList());
            assertThat(actual.rounds().stream().map(RoundMetrics::loss).toList())
                    .isEqualTo(expected.rounds().stream().map(RoundMetrics::loss).toList());
            assertThat(actual.rounds().stream().mapToLong(RoundMetrics::bytesAggregated).sum())
                    .isEqualTo(expected.rounds().stream().mapToLong(RoundMetrics::bytesAggregated).sum());
            assertThat(actual.model().params().toDoubleVector()).isEqualTo(expected.model().params().toDoubleVector());
            assertThat(actual.model().getUpdater(true).getStateViewArray().toDoubleVector())
                    .isEqualTo(expected.model().getUpdater(true).getStateViewArray().toDoubleVector());
            assertThat(actual.model().getIterationCount()).isEqualTo(expected.model().getIterationCount());
            // the epoch-end listeners saw the same networks (an evaluation after epoch 1 is of epoch 1's model)
            assertThat(barrierEpochs.epochs).containsExactly(1, 2);
            assertThat(barrierEpochs.params.get(0)).isEqualTo(perRoundEpochs.params.get(0));
            // and training moved the parameters
            assertThat(relativeDifference(actual.model().params(), Networks.create(perRound).params()))
                    .isGreaterThan(1e-3);
        } finally {
            shards.release();
        }
    }

    /** The outer momentum lives in the tasks' copies during a job; the driver must hold it after (checkpoints). */
    @Test
    void theDriverHoldsTheOuterMomentumAfterABarrierJob() {
        DptrainConfig perRound = config("parameter-averaging", "engine.outer.optimizer=nesterov",
                "engine.outer.learning-rate=0.7", "engine.outer.momentum=0.9", "train.epochs=1");
        DptrainConfig barrier = config("parameter-averaging", "engine.outer.optimizer=nesterov",
                "engine.outer.learning-rate=0.7", "engine.outer.momentum=0.9", "train.epochs=1",
                "engine.rounds-per-job=4");
        Shards shards = shards(perRound);
        try {
            SparkTrainer expected = new SparkTrainer(spark(), perRound);
            SparkTrainer actual = new SparkTrainer(spark(), barrier);
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark().sparkContext());
            String expectedRun = "test-" + System.nanoTime();
            String actualRun = expectedRun + "-barrier";
            try {
                expected.train(jsc, SyncStrategy.of(perRound), shards, expectedRun);
                actual.train(jsc, SyncStrategy.of(barrier), shards, actualRun);
            } finally {
                ReplicaCache.release(expectedRun);
                ReplicaCache.release(actualRun);
            }

            assertThat(actual.engineState()).isNotNull();
            assertThat(actual.engineState().toDoubleVector()).isEqualTo(expected.engineState().toDoubleVector());
        } finally {
            shards.release();
        }
    }

    /**
     * With the budget spent after the first round, partition 0 ends the job there: one round, the epoch-end
     * listeners run once, and the model is the one a job per round leaves after that round.
     */
    @Test
    void aBarrierJobStopsWherePartitionZeroFindsTheTimeBudgetSpent() {
        DptrainConfig perRound = config("gradient-averaging", "train.time-budget-seconds=0.001");
        DptrainConfig barrier = config("gradient-averaging", "train.time-budget-seconds=0.001",
                "engine.rounds-per-job=7");
        Shards shards = shards(perRound);
        try {
            EpochEnds epochEnds = new EpochEnds();
            TrainingResult expected = DistributedEqualsLocalTest.trainOnShards(perRound, shards);
            TrainingResult actual = DistributedEqualsLocalTest.trainOnShards(barrier, shards, epochEnds);

            assertThat(expected.rounds()).hasSize(1);
            assertThat(actual.rounds()).hasSize(1);
            assertThat(epochEnds.epochs).containsExactly(1);
            assertThat(actual.model().params().toDoubleVector()).isEqualTo(expected.model().params().toDoubleVector());
        } finally {
            shards.release();
        }
    }

    @Test
    void spilledShardsNeedAJobPerRound() {
        assertThatThrownBy(() -> config("gradient-averaging", "engine.rounds-per-job=5",
                "engine.shard-storage=memory-and-disk"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("dptrain.engine.rounds-per-job = 5")
                .hasMessageContaining("shard-storage = memory-and-disk")
                .hasMessageContaining("allowed: rounds-per-job = 1, or shard-storage = memory");
    }

    @Test
    void moreWorkersThanTaskSlotsIsAClearError() {
        DptrainConfig config = config("gradient-averaging", "engine.rounds-per-job=5", "engine.workers=3",
                "data.train-limit=240");
        Shards shards = shards(config);
        try {
            assertThatThrownBy(() -> DistributedEqualsLocalTest.trainOnShards(config, shards))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("dptrain.engine.rounds-per-job = 5")
                    .hasMessageContaining("all 3 workers")
                    .hasMessageContaining("has 2 task slots");
        } finally {
            shards.release();
        }
    }
}
