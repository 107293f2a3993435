package io.dptrain.engine.spark;

import io.dptrain.LocalSparkTest;
import io.dptrain.RoundMetrics;
import io.dptrain.TrainingListener;
import io.dptrain.TrainingResult;
import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import io.dptrain.data.Fixtures;
import io.dptrain.data.ImageTable;
import io.dptrain.engine.SingleProcessTrainer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every engine flushes subnormal values where the network takes its updater steps: single-process after
 * fit, parameter averaging on the replicas after their local steps, gradient averaging where the sum is
 * applied. The value is planted after the first round into the weight from the top-left pixel to the first
 * hidden unit: that pixel is black in every fixture image, so the weight's gradient is zero and only a flush
 * changes it (without one it ends the run as planted, which the test checks too).
 */
@Tag("spark")
@Timeout(300)
class SubnormalFlushTest extends LocalSparkTest {
    private static final float SUBNORMAL = 1e-40f;
    private static Dataset<Row> fixture;

    @BeforeAll
    static void fixtureTable() {
        fixture = ImageTable.fromImages(spark(), Fixtures.train());
    }

    private static DptrainConfig config(String mode, int flushEvery) {
        List<String> settings = new ArrayList<>(List.of("engine.mode=" + mode, "model.preset=mlp",
                "model.mlp.hidden=[8]", "data.train-limit=256", "train.epochs=1", "train.batch-size=16",
                "train.updater=adam", "train.progress-every=0", "train.flush-subnormals-every=" + flushEvery));
        if (!mode.equals("single-process")) {
            settings.addAll(List.of("engine.workers=2", "engine.local-steps=2"));
        }
        return ConfigLoader.load(null, settings);
    }

    /** Plants the subnormal after round 1 and returns the weight after the run. */
    private static float plantedWeightAfterTraining(String mode, int flushEvery) {
        DptrainConfig config = config(mode, flushEvery);
        TrainingListener plant = new TrainingListener() {
            @Override
            public void onRound(RoundMetrics metrics, MultiLayerNetwork model) {
                if (metrics.round() == 1) {
                    model.getLayer(0).getParam("W").putScalar(0, 0, SUBNORMAL);
                }
            }
        };
        TrainingResult result = mode.equals("single-process")
                ? new SingleProcessTrainer(config).addListener(plant).fit(fixture)
                : new SparkTrainer(spark(), config).addListener(plant).fit(fixture);
        assertThat(result.rounds().size()).as("rounds after the planting").isGreaterThan(2);
        return result.model().getLayer(0).getParam("W").getFloat(0, 0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"single-process", "parameter-averaging", "gradient-averaging"})
    void aSubnormalWeightIsZeroAfterTheNextFlushAndStaysWithoutOne(String mode) {
        assertThat(plantedWeightAfterTraining(mode, 0)).isEqualTo(SUBNORMAL);
        assertThat(plantedWeightAfterTraining(mode, 1)).isZero();
    }
}
