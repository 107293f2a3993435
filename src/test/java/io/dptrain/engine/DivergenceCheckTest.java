package io.dptrain.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.dptrain.RoundMetrics;
import io.dptrain.RunPlan;
import io.dptrain.TrainingListener;
import io.dptrain.TrainingResult;
import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import io.dptrain.data.Fixtures;
import io.dptrain.data.Minibatches;
import io.dptrain.model.Networks;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

@Tag("unit")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DivergenceCheckTest {

    private static final RunPlan PLAN = new RunPlan("single-process", 1, 1, 10, 320);

    private MultiLayerNetwork net;
    private DivergenceCheck check;

    @BeforeEach
    void tinyNetwork() {
        DptrainConfig config = ConfigLoader.load(null, List.of("model.preset=mlp", "model.mlp.hidden=[4]",
                "data.height=4", "data.width=4", "data.classes=3"));
        net = Networks.create(config);
        check = new DivergenceCheck();
        check.onStart(PLAN);
    }

    private static RoundMetrics round(int round, double loss) {
        return new RoundMetrics(round, 1, loss, 32, 5, 5, 0, 0, 0, 0, 0, 5);
    }

    /** Moves the network to new parameters, as a training step would. */
    private void step() {
        net.setParams(net.params().add(0.25));
    }

    @ParameterizedTest
    @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
    void nonFiniteLossThrowsNamingTheRoundAndWhatToTry(double loss) {
        check.onRound(round(1, 2.3), net);
        step();
        check.onRound(round(2, 2.1), net);
        step();

        DivergenceException e = catchThrowableOfType(DivergenceException.class,
                () -> check.onRound(round(3, loss), net));

        assertThat(e).isNotNull();
        assertThat(e.round()).isEqualTo(3);
        assertThat(e.getMessage()).contains("round 3", "epoch 1", String.valueOf(loss),
                "dptrain.train.learning-rate");
    }

    @Test
    void lastGoodParametersAreTheOnesTheLastFiniteRoundStartedFrom() {
        check.onRound(round(1, 2.3), net);
        float[] afterRound1 = net.params().toFloatVector();
        step();
        check.onRound(round(2, 2.1), net);
        float[] afterRound2 = net.params().toFloatVector();
        step();
        float[] afterRound3 = net.params().toFloatVector();

        DivergenceException e = catchThrowableOfType(DivergenceException.class,
                () -> check.onRound(round(3, Double.NaN), net));

        INDArray lastGood = e.lastGoodParameters();
        // round 2's finite loss was measured at the parameters after round 1; round 3's NaN at those after round 2
        assertThat(lastGood.toFloatVector()).containsExactly(afterRound1)
                .isNotEqualTo(afterRound2).isNotEqualTo(afterRound3);
        step();
        assertThat(lastGood.toFloatVector()).as("not a view of the live parameters").containsExactly(afterRound1);
    }

    @Test
    void aNewRunForgetsTheLastRunsParameters() {
        check.onRound(round(1, 2.3), net);
        INDArray stale = net.params().dup();
        step();
        check.onStart(PLAN);

        DivergenceException e = catchThrowableOfType(DivergenceException.class,
                () -> check.onRound(round(1, Double.NaN), net));

        assertThat(e.round()).isEqualTo(1);
        assertThat(e.lastGoodParameters()).isNotEqualTo(stale);
    }

    @Test
    void hugeLearningRateDivergesEndToEnd() {
        // Softmax cross-entropy clips its log, so saturated sigmoids never give NaN; ReLU units
        // with SGD at 1e20 overflow to NaN in the second step.
        DptrainConfig config = ConfigLoader.load(null, List.of("engine.mode=single-process", "model.preset=mlp",
                "model.mlp.hidden=[16]", "model.mlp.activation=relu", "train.updater=sgd",
                "train.learning-rate=1e20", "train.epochs=1", "train.batch-size=32"));
        List<DataSet> batches = Minibatches.of(Fixtures.train().slice(0, 128), 32);
        List<Integer> rounds = new ArrayList<>();
        List<TrainingResult> ends = new ArrayList<>();
        SingleProcessTrainer trainer = new SingleProcessTrainer(config).addListener(new DivergenceCheck())
                .addListener(new TrainingListener() {
                    @Override
                    public void onRound(RoundMetrics metrics, MultiLayerNetwork model) {
                        rounds.add(metrics.round());
                    }

                    @Override
                    public void onEnd(TrainingResult result) {
                        ends.add(result);
                    }
                });

        assertThatThrownBy(() -> trainer.fit(batches, 128)).isInstanceOfSatisfying(DivergenceException.class, e -> {
            assertThat(e.round()).isEqualTo(2);
            assertThat(e.getMessage()).contains("round 2", "learning-rate");
            // Round 2's NaN was measured at the parameters after round 1, and round 1's finite loss
            // vouched only for the initial ones, which the check does not keep.
            assertThat(e.lastGoodParameters()).isNull();
        });
        assertThat(rounds).as("the check stops the run before later listeners see the bad round")
                .containsExactly(1);
        assertThat(ends).containsExactly((TrainingResult) null);
    }
}
