package io.dptrain.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.dptrain.config.ConfigException;
import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.learning.config.IUpdater;

/** The learning rate the network's updater uses, step by step: warm-up, per-epoch decay and N-worker scaling. */
@Tag("unit")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RateScheduleTest {

    private static DptrainConfig config(String... more) {
        List<String> settings = new ArrayList<>(List.of("model.preset=mlp", "model.mlp.hidden=[4]",
                "train.updater=adam", "train.learning-rate=0.01", "model.data-type=double"));
        settings.addAll(List.of(more));
        return ConfigLoader.load(null, settings);
    }

    private static IUpdater updater(MultiLayerNetwork net) {
        return ((BaseLayer<?>) net.getLayer(0)).conf().getLayer().getUpdaterByParam("W");
    }

    private static double rate(DptrainConfig config, int iteration, int epoch) {
        return updater(Networks.create(config)).getLearningRate(iteration, epoch);
    }

    @Test
    void warmUpRisesLinearlyOverItsRoundsThenHoldsTheRate() {
        DptrainConfig config = config("engine.mode=gradient-averaging", "train.warmup-rounds=4");
        assertThat(List.of(0, 1, 2, 3, 4, 100)).extracting(i -> rate(config, i, 0))
                .containsExactly(0.0025, 0.005, 0.0075, 0.01, 0.01, 0.01);
    }

    @Test
    void inParameterAveragingAWarmUpRoundIsLocalStepsUpdaterSteps() {
        DptrainConfig config = config("engine.mode=parameter-averaging", "engine.local-steps=5",
                "train.warmup-rounds=2");
        assertThat(rate(config, 0, 0)).isCloseTo(0.001, within(1e-15));
        assertThat(rate(config, 8, 0)).isCloseTo(0.009, within(1e-15));
        assertThat(rate(config, 9, 0)).isEqualTo(0.01);
    }

    @Test
    void decayAndWarmUpCompose() {
        DptrainConfig config = config("engine.mode=gradient-averaging", "train.warmup-rounds=2",
                "train.learning-rate-decay=0.5");
        assertThat(rate(config, 0, 0)).isEqualTo(0.005);
        assertThat(rate(config, 1, 2)).isEqualTo(0.0025);
    }

    @Test
    void gradientAveragingScalesTheRateLinearlyOrBySquareRootOfTheWorkers() {
        assertThat(rate(config("engine.mode=gradient-averaging", "engine.workers=4",
                "train.learning-rate-scaling=linear"), 0, 0)).isEqualTo(0.04);
        assertThat(rate(config("engine.mode=gradient-averaging", "engine.workers=4",
                "train.learning-rate-scaling=sqrt"), 0, 0)).isEqualTo(0.02);
        assertThatThrownBy(() -> config("engine.mode=gradient-averaging", "engine.workers=0",
                "train.learning-rate-scaling=linear"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("needs dptrain.engine.mode = gradient-averaging and dptrain.engine.workers >= 1");
        assertThatThrownBy(() -> config("engine.mode=parameter-averaging", "engine.workers=2",
                "train.learning-rate-scaling=sqrt"))
                .hasMessageContaining("got parameter-averaging with 2 workers");
    }

    @Test
    void aNetworkWithAWarmUpSurvivesSavingAndLoading() throws Exception {
        MultiLayerNetwork net = Networks.create(config("engine.mode=gradient-averaging", "train.warmup-rounds=4",
                "train.learning-rate-decay=0.5"));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, bytes, true);
        MultiLayerNetwork loaded = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(bytes.toByteArray()),
                true);

        for (int[] at : new int[][]{{0, 0}, {2, 0}, {10, 3}}) {
            assertThat(updater(loaded).getLearningRate(at[0], at[1]))
                    .isEqualTo(updater(net).getLearningRate(at[0], at[1]));
        }
        assertThat(updater(loaded).getLearningRate(0, 0)).isEqualTo(0.0025);
    }

    @Test
    void outerAndExchangeSettingsAreCheckedAgainstTheEngine() {
        // like local-steps, the outer step is parameter averaging's; the other modes run without it
        assertThat(config("engine.mode=gradient-averaging", "engine.outer.optimizer=nesterov").engine().outer()
                .optimizer().configName()).isEqualTo("nesterov");
        assertThatThrownBy(() -> config("engine.mode=single-process", "engine.exchange=float16"))
                .hasMessageContaining("dptrain.engine.exchange = float16 is not allowed with dptrain.engine.mode = "
                        + "single-process");
        assertThatThrownBy(() -> config("engine.outer.momentum=1.0"))
                .hasMessageContaining("dptrain.engine.outer.momentum = 1.0 is not allowed; allowed: >= 0 and < 1");
        assertThatThrownBy(() -> config("engine.exchange=float8"))
                .hasMessageContaining("dptrain.engine.exchange");
        assertThatThrownBy(() -> config("train.time-budget-seconds=-1"))
                .hasMessageContaining("dptrain.train.time-budget-seconds = -1.0 is not allowed; allowed: >= 0");
    }
}
