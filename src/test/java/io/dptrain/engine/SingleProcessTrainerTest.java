package io.dptrain.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dptrain.LocalSparkTest;
import io.dptrain.RoundMetrics;
import io.dptrain.RunPlan;
import io.dptrain.TrainingListener;
import io.dptrain.TrainingResult;
import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import io.dptrain.data.Fixtures;
import io.dptrain.data.ImageShape;
import io.dptrain.data.ImageTable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SingleProcessTrainerTest extends LocalSparkTest {

    /** The fixture's 600 training images, 28x28x1, 10 classes. */
    private static Dataset<Row> fixture;

    @BeforeAll
    static void fixtureTable() {
        fixture = ImageTable.fromImages(spark(), Fixtures.train());
    }

    /** A tiny mlp on 128 fixture images for one epoch, plus the given overrides. */
    private static DptrainConfig config(String... overrides) {
        List<String> settings = new ArrayList<>(List.of("engine.mode=single-process", "model.preset=mlp",
                "model.mlp.hidden=[16]", "data.train-limit=128", "train.epochs=1", "train.batch-size=32",
                "train.progress-every=0"));
        settings.addAll(List.of(overrides));
        return ConfigLoader.load(null, settings);
    }

    private static float[] params(TrainingResult result) {
        return result.model().params().toFloatVector();
    }

    @Test
    void sameSeedGivesIdenticalParameters() {
        TrainingResult first = new SingleProcessTrainer(config("train.seed=7")).fit(fixture);
        TrainingResult second = new SingleProcessTrainer(config("train.seed=7")).fit(fixture);

        assertThat(params(second)).containsExactly(params(first));
        assertThat(second.rounds()).extracting(RoundMetrics::loss)
                .containsExactlyElementsOf(first.rounds().stream().map(RoundMetrics::loss).toList());
    }

    @Test
    void differentSeedGivesDifferentParameters() {
        TrainingResult first = new SingleProcessTrainer(config("train.seed=7")).fit(fixture);
        TrainingResult other = new SingleProcessTrainer(config("train.seed=8")).fit(fixture);

        assertThat(params(other)).hasSameSizeAs(params(first)).isNotEqualTo(params(first));
    }

    @Test
    void lossDecreasesOnTheFixture() {
        TrainingResult result = new SingleProcessTrainer(config("data.train-limit=0", "train.epochs=2",
                "train.learning-rate=0.01")).fit(fixture);

        List<Double> losses = result.rounds().stream().map(RoundMetrics::loss).toList();
        assertThat(losses).hasSize(2 * 19);
        double first = losses.subList(0, 5).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double last = losses.subList(losses.size() - 5, losses.size()).stream()
                .mapToDouble(Double::doubleValue).average().orElseThrow();
        assertThat(last).as("mean loss of the last 5 rounds vs the first 5 (%s)", losses).isLessThan(0.75 * first);
    }

    @Test
    void shortLastBatchIsKeptAndEveryExampleCounted() {
        TrainingResult result = new SingleProcessTrainer(config("data.train-limit=130", "train.batch-size=64",
                "train.epochs=2")).fit(fixture);

        assertThat(result.plan()).isEqualTo(new RunPlan("single-process", 1, 2, 3, 130));
        assertThat(result.plan().totalRounds()).isEqualTo(6);
        List<RoundMetrics> rounds = result.rounds();
        assertThat(rounds).extracting(RoundMetrics::round).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(rounds).extracting(RoundMetrics::epoch).containsExactly(1, 1, 1, 2, 2, 2);
        for (int epoch = 1; epoch <= 2; epoch++) {
            int e = epoch;
            assertThat(rounds.stream().filter(m -> m.epoch() == e).map(RoundMetrics::examples))
                    .as("examples per round of epoch %d", epoch)
                    .containsExactlyInAnyOrder(64L, 64L, 2L);
        }
        assertThat(rounds.stream().mapToLong(RoundMetrics::examples).sum()).isEqualTo(130L * 2);
        assertThat(rounds).allSatisfy(m -> assertThat(m.loss()).isFinite().isPositive());
    }

    /** Records every call as "name:event detail". */
    private static final class Recorder implements TrainingListener {
        private final String name;
        private final List<String> events;
        private float[] lastRoundParams;

        Recorder(String name, List<String> events) {
            this.name = name;
            this.events = events;
        }

        @Override
        public void onStart(RunPlan plan) {
            events.add(name + ":start " + plan.totalRounds());
        }

        @Override
        public void onRound(RoundMetrics metrics, MultiLayerNetwork model) {
            events.add(name + ":round " + metrics.round() + " epoch " + metrics.epoch());
            lastRoundParams = model.params().toFloatVector();
        }

        @Override
        public void onEpochEnd(int epoch, MultiLayerNetwork model) {
            events.add(name + ":epoch-end " + epoch);
        }

        @Override
        public void onEnd(TrainingResult result) {
            events.add(name + ":end " + (result == null ? "null" : result.rounds().size() + " rounds"));
        }
    }

    private static List<String> expectedEvents(String name, int epochs, int roundsPerEpoch) {
        List<String> events = new ArrayList<>();
        events.add(name + ":start " + epochs * roundsPerEpoch);
        int round = 0;
        for (int epoch = 1; epoch <= epochs; epoch++) {
            for (int i = 0; i < roundsPerEpoch; i++) {
                events.add(name + ":round " + ++round + " epoch " + epoch);
            }
            events.add(name + ":epoch-end " + epoch);
        }
        events.add(name + ":end " + round + " rounds");
        return events;
    }

    @Test
    void listenersAreCalledInOrder() {
        List<String> events = new ArrayList<>();
        Recorder b = new Recorder("b", events);
        SingleProcessTrainer trainer = new SingleProcessTrainer(config("data.train-limit=130", "train.batch-size=64",
                "train.epochs=2"));
        trainer.addListener(new Recorder("a", events)).addListener(b);

        TrainingResult result = trainer.fit(fixture);

        // Each call reaches the listeners in the order they were added: a, then b.
        List<String> a = expectedEvents("a", 2, 3);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            expected.add(a.get(i));
            expected.add(expectedEvents("b", 2, 3).get(i));
        }
        assertThat(events).containsExactlyElementsOf(expected);
        assertThat(b.lastRoundParams).as("the model seen by the last onRound is the result")
                .containsExactly(params(result));
    }

    @Test
    void aThrowingListenerStopsTheRunAndOnEndGetsNull() {
        List<String> events = new ArrayList<>();
        SingleProcessTrainer trainer = new SingleProcessTrainer(config("train.batch-size=32"));
        trainer.addListener(new TrainingListener() {
            @Override
            public void onRound(RoundMetrics metrics, MultiLayerNetwork model) {
                if (metrics.round() == 2) {
                    throw new IllegalStateException("stop at round 2");
                }
            }
        }).addListener(new Recorder("r", events));

        assertThatThrownBy(() -> trainer.fit(fixture)).isInstanceOf(IllegalStateException.class)
                .hasMessage("stop at round 2");
        assertThat(events).containsExactly("r:start 4", "r:round 1 epoch 1", "r:end null");
    }

    @Test
    void tableOfAnotherShapeIsRejectedNamingBothShapes() {
        SingleProcessTrainer trainer = new SingleProcessTrainer(config("data.height=14", "data.classes=5"));

        assertThatThrownBy(() -> trainer.fit(fixture)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(new ImageShape(28, 28, 1, 10).toString())
                .hasMessageContaining(new ImageShape(14, 28, 1, 5).toString());
    }

    @Test
    void emptyTableIsRejected() {
        Dataset<Row> empty = spark().createDataFrame(List.<Row>of(), ImageTable.schema(new ImageShape(28, 28, 1, 10)));
        List<String> events = new ArrayList<>();
        SingleProcessTrainer trainer = new SingleProcessTrainer(config());
        trainer.addListener(new Recorder("r", events));

        assertThatThrownBy(() -> trainer.fit(empty)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty");
        assertThat(events).isEmpty();
    }

    @Test
    void trainLimitBoundsTheExamplesPerEpoch() {
        TrainingResult result = new SingleProcessTrainer(config("data.train-limit=50", "train.batch-size=16"))
                .fit(fixture);

        assertThat(result.plan().examplesPerEpoch()).isEqualTo(50);
        assertThat(result.plan().roundsPerEpoch()).isEqualTo(4);
        assertThat(result.rounds()).extracting(RoundMetrics::examples).containsExactlyInAnyOrder(16L, 16L, 16L, 2L);
    }
}
