package io.dptrain.engine.spark;

import static io.dptrain.NdArrays.maxAbsDifference;
import static io.dptrain.engine.spark.DistributedEqualsLocalTest.relativeDifference;
import static org.assertj.core.api.Assertions.assertThat;

import io.dptrain.LocalSparkTest;
import io.dptrain.RoundMetrics;
import io.dptrain.TrainingListener;
import io.dptrain.TrainingResult;
import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import io.dptrain.data.Fixtures;
import io.dptrain.data.ImageTable;
import io.dptrain.engine.Shards;
import io.dptrain.engine.TrainingData;
import io.dptrain.model.Networks;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Parameter averaging's outer step and the 16-bit exchange, on the engine itself: the outer step with
 * η = 1 and μ = 0 is plain averaging bit for bit, its first step is {@code θ − η·(θ − θ̄)}, and a
 * 16-bit exchange halves the bytes replicas send while training to nearly the same parameters.
 */
@Tag("spark")
@Timeout(300)
class OuterStepAndExchangeTest extends LocalSparkTest {
    private static final int BATCH = 8;
    private static final int ROWS = 160; // 2 shards x 10 batches of 8

    private static DptrainConfig config(String mode, String... more) {
        List<String> settings = new ArrayList<>(List.of("model.preset=mlp", "model.mlp.hidden=[32]",
                "train.updater=adam", "train.learning-rate=0.005", "train.batch-size=" + BATCH, "train.epochs=1",
                "engine.mode=" + mode, "engine.workers=2", "engine.local-steps=2", "data.train-limit=" + ROWS,
                "model.data-type=double", "train.progress-every=0"));
        settings.addAll(List.of(more));
        return ConfigLoader.load(null, settings);
    }

    private static TrainingResult train(DptrainConfig config, Shards shards, TrainingListener... listeners) {
        return DistributedEqualsLocalTest.trainOnShards(config, shards, listeners);
    }

    private static Shards shards(DptrainConfig config) {
        Dataset<Row> table = TrainingData.checked(ImageTable.fromImages(spark(), Fixtures.train()), config);
        return Shards.build(table, config.engine().workers(), TrainingData.codec(table, config), config.train().seed());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"momentum", "nesterov"})
    void anOuterStepWithEtaOneAndMuZeroIsPlainAveragingBitForBit(String optimizer) {
        DptrainConfig plain = config("parameter-averaging");
        Shards shards = shards(plain);
        try {
            TrainingResult averaged = train(plain, shards);
            TrainingResult outer = train(config("parameter-averaging", "engine.outer.optimizer=" + optimizer,
                    "engine.outer.learning-rate=1.0", "engine.outer.momentum=0.0"), shards);
            TrainingResult withMomentum = train(config("parameter-averaging", "engine.outer.optimizer=" + optimizer,
                    "engine.outer.learning-rate=1.0", "engine.outer.momentum=0.5"), shards);

            assertThat(averaged.rounds()).hasSize(5);
            assertThat(maxAbsDifference(outer.model().params(), averaged.model().params())).isZero();
            assertThat(maxAbsDifference(outer.model().getUpdater(true).getStateViewArray(),
                    averaged.model().getUpdater(true).getStateViewArray())).isZero();
            // and the momentum does act: μ = 0.5 ends elsewhere
            assertThat(relativeDifference(withMomentum.model().params(), averaged.model().params()))
                    .isGreaterThan(1e-3);
        } finally {
            shards.release();
        }
    }

    /** Round 1 starts with m = 0, so both optimizers step θ − η·Δ (nesterov: η·(Δ + μ·Δ)) from the broadcast θ. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"momentum", "nesterov"})
    void theFirstOuterStepMovesByEtaTimesTheAveragedDelta(String optimizer) {
        DptrainConfig plain = config("parameter-averaging", "train.epochs=1");
        Shards shards = shards(plain);
        try {
            INDArray start = Networks.create(plain).params().dup();
            List<INDArray> afterRoundOne = new ArrayList<>();
            TrainingListener firstRound = new TrainingListener() {
                @Override
                public void onRound(RoundMetrics metrics, MultiLayerNetwork model) {
                    if (metrics.round() == 1) {
                        afterRoundOne.add(model.params().dup());
                    }
                }
            };
            train(plain, shards, firstRound);
            INDArray average = afterRoundOne.remove(0);
            train(config("parameter-averaging", "engine.outer.optimizer=" + optimizer,
                    "engine.outer.learning-rate=0.7", "engine.outer.momentum=0.9"), shards, firstRound);
            INDArray stepped = afterRoundOne.remove(0);

            double factor = 0.7 * ("nesterov".equals(optimizer) ? 1.9 : 1.0);
            INDArray expected = start.sub(start.sub(average).muli(factor));
            assertThat(relativeDifference(stepped, expected)).isLessThan(1e-12);
            assertThat(relativeDifference(stepped, average)).isGreaterThan(1e-6);
        } finally {
            shards.release();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gradient-averaging", "parameter-averaging"})
    void aSixteenBitExchangeHalvesTheBytesSentAndTrainsNearlyTheSame(String mode) {
        DptrainConfig full = config(mode, "model.data-type=float");
        Shards shards = shards(full);
        try {
            TrainingResult float32 = train(full, shards);
            TrainingResult float16 = train(config(mode, "model.data-type=float", "engine.exchange=float16"), shards);
            TrainingResult bfloat16 = train(config(mode, "model.data-type=float", "engine.exchange=bfloat16"), shards);

            long bytes32 = float32.rounds().get(0).bytesAggregated();
            // parameter averaging also sends Adam's state (2 vectors) at full precision: 4 + 8 bytes -> 2 + 8
            double expectedRatio = mode.equals("gradient-averaging") ? 0.5 : 10.0 / 12;
            for (TrainingResult sixteen : List.of(float16, bfloat16)) {
                assertThat(sixteen.rounds()).hasSameSizeAs(float32.rounds());
                assertThat((double) sixteen.rounds().get(0).bytesAggregated() / bytes32).isEqualTo(expectedRatio);
                double drift = relativeDifference(sixteen.model().params(), float32.model().params());
                assertThat(drift).as("relative difference from float32").isGreaterThan(0).isLessThan(0.02);
            }
        } finally {
            shards.release();
        }
    }
}
