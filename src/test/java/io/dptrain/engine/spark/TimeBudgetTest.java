package io.dptrain.engine.spark;

import static org.assertj.core.api.Assertions.assertThat;

import io.dptrain.LocalSparkTest;
import io.dptrain.RoundMetrics;
import io.dptrain.TrainingListener;
import io.dptrain.TrainingResult;
import io.dptrain.config.ConfigLoader;
import io.dptrain.data.Fixtures;
import io.dptrain.data.ImageTable;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code train.time-budget-seconds}: a budget spent during round 1 stops the run after it, the epoch
 * ends there (its listeners run, so the test evaluation sees the model at the budget) and the result
 * holds that round only; without a budget the same run goes through all its epochs.
 */
@Tag("spark")
@Timeout(300)
class TimeBudgetTest extends LocalSparkTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"parameter-averaging", "gradient-averaging", "single-process"})
    void aSpentBudgetEndsTheEpochAndTheRunAfterTheRound(String mode) {
        List<String> events = new ArrayList<>();
        TrainingListener record = new TrainingListener() {
            @Override
            public void onRound(RoundMetrics metrics, MultiLayerNetwork model) {
                events.add("round " + metrics.round());
            }

            @Override
            public void onEpochEnd(int epoch, MultiLayerNetwork model) {
                events.add("epoch " + epoch);
            }
        };
        List<String> settings = List.of("model.preset=mlp", "model.mlp.hidden=[8]", "train.batch-size=8",
                "train.epochs=3", "engine.mode=" + mode, "engine.workers=2", "data.train-limit=96",
                "train.progress-every=0");
        List<String> budgeted = new ArrayList<>(settings);
        budgeted.add("train.time-budget-seconds=0.001");

        TrainingResult stopped = Trainers.create(spark(), ConfigLoader.load(null, budgeted)).addListener(record)
                .fit(ImageTable.fromImages(spark(), Fixtures.train()));
        assertThat(events).containsExactly("round 1", "epoch 1");
        assertThat(stopped.rounds()).hasSize(1);

        TrainingResult whole = Trainers.create(spark(), ConfigLoader.load(null, settings))
                .fit(ImageTable.fromImages(spark(), Fixtures.train()));
        assertThat(whole.rounds()).hasSize(whole.plan().totalRounds()).hasSizeGreaterThan(3);
    }
}
