package io.dptrain.engine.spark;

import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import io.dptrain.config.Choices.Exchange;
import io.dptrain.model.Networks;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("unit")
@Timeout(120)
class FusedUpdateTest {

    /**
     * Gradient averaging's apply, fused and through DL4J's pipeline, from the same parameters and the same summed
     * gradients of two replicas (real backprop on random images, so batch normalization's running statistics
     * travel as updates): equal parameters and updater state to the bit after every step, across an epoch
     * change (the learning-rate decay) and the subnormal flushes. lenet: L2 on weights, none on biases, Adam, its
     * dense layer's weights three chunks and more; without L2 a layer's weights and biases share an updater block
     * (a chunk holding both); vgg-mini adds batch normalization and dropout.
     */
    @ParameterizedTest
    @CsvSource({"lenet, 0.0005", "lenet, 0", "vgg-mini, 0.0005"})
    void theFusedStepIsDl4jsPipelineToTheLastBit(String preset, double l2) {
        DptrainConfig config = config(preset, l2);
        MultiLayerNetwork fused = Networks.create(config);
        MultiLayerNetwork dl4j = Networks.create(config);
        dl4j.setParams(fused.params().dup());
        MultiLayerNetwork replica = Networks.create(config);
        // Which ranges are running statistics changes what the step does, not whether it takes the network.
        assertThat(FusedUpdate.of(fused, List.of())).as("the fused step takes this network").isNotNull();
        GradientAveraging withFused = new GradientAveraging(Exchange.FLOAT32, true, 5, true);
        GradientAveraging withDl4j = new GradientAveraging(Exchange.FLOAT32, true, 5, false);
        Nd4j.getRandom().setSeed(5);
        for (int step = 0; step < 12; step++) {
            int epoch = step < 6 ? 0 : 1;
            fused.setEpochCount(epoch);
            dl4j.setEpochCount(epoch);
            RoundSum<GradientAveraging.Gradients> sum = RoundSum.empty();
            for (int r = 0; r < 2; r++) {
                replica.setParams(fused.params().dup());
                int n = 8 + 4 * r; // replicas' batches of different sizes: the division uses the summed count
                replica.setInput(Nd4j.rand(fused.params().dataType(), n, 1, 28, 28));
                INDArray labels = Nd4j.zeros(fused.params().dataType(), n, 10);
                for (int i = 0; i < n; i++) {
                    labels.putScalar(i, (i * 3 + step) % 10, 1);
                }
                replica.setLabels(labels);
                replica.computeGradientAndScore();
                sum.merge(RoundSum.of(new GradientAveraging.Gradients(FlatVector.of(replica.getFlattenedGradients())),
                        replica.score() * n, n));
            }
            withFused.apply(fused, sum);
            withDl4j.apply(dl4j, sum);
            assertThat(fused.params().data().asFloat()).as("parameters after step %d", step)
                    .isEqualTo(dl4j.params().data().asFloat());
            assertThat(Replica.updaterState(fused).data().asFloat()).as("updater state after step %d", step)
                    .isEqualTo(Replica.updaterState(dl4j).data().asFloat());
            assertThat(fused.getIterationCount()).isEqualTo(dl4j.getIterationCount()).isEqualTo(step + 1);
        }
    }

    /** What the fused step does not do, DL4J's pipeline does: such networks do not get it. */
    @Test
    void networksWithOtherUpdatersOrClippingOrDoublesTakeDl4jsPipeline() {
        for (List<String> settings : List.of(List.of("train.vectorized-adam=false"), List.of("train.updater=sgd"),
                List.of("train.updater=nesterov"), List.of("train.gradient-clipping=clip-l2-norm"),
                List.of("model.data-type=double"))) {
            List<String> all = new ArrayList<>(List.of("model.preset=lenet", "train.updater=adam", "train.l2=0.0005"));
            all.addAll(settings);
            MultiLayerNetwork net = Networks.create(ConfigLoader.load(null, all));
            assertThat(FusedUpdate.of(net, List.of())).as("%s", settings).isNull();
        }
        assertThat(FusedUpdate.of(Networks.create(config("lenet", 0.0005)), List.of())).isNotNull();
    }

    private static DptrainConfig config(String preset, double l2) {
        return ConfigLoader.load(null, List.of("model.preset=" + preset, "train.updater=adam", "train.l2=" + l2,
                "train.learning-rate-decay=0.7", "model.lenet.conv1-filters=4", "model.lenet.conv2-filters=8",
                "model.lenet.dense=200", "model.vgg-mini.block-filters=[4,8]", "model.vgg-mini.dense=[16]",
                "model.vgg-mini.batch-norm=true"));
    }
}
