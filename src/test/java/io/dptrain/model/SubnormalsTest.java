package io.dptrain.model;

import io.dptrain.config.ConfigLoader;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("unit")
@Timeout(60)
class SubnormalsTest {
    private static final float SUBNORMAL = 1e-40f;
    private static final float SMALLEST_NORMAL = Float.MIN_NORMAL;

    private static MultiLayerNetwork network(String dataType) {
        return Networks.create(ConfigLoader.load(null, List.of("model.preset=mlp", "model.mlp.hidden=[4]",
                "train.updater=adam", "model.data-type=" + dataType)));
    }

    /** Writes values at the start of the parameters and of the updater state. */
    private static void plant(MultiLayerNetwork net, double... values) {
        INDArray state = net.getUpdater(true).getStateViewArray();
        for (int i = 0; i < values.length; i++) {
            net.params().putScalar(i, values[i]);
            state.putScalar(i, values[i]);
        }
    }

    private static double[] head(INDArray array, int n) {
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = array.getDouble(i);
        }
        return values;
    }

    @Test
    void aFlushZeroesSubnormalParametersAndUpdaterStateAndKeepsNormalValues() {
        MultiLayerNetwork net = network("float");
        plant(net, SUBNORMAL, -SUBNORMAL, Float.MIN_VALUE, SMALLEST_NORMAL, -SMALLEST_NORMAL, 0.25);

        Subnormals.flush(net);

        double[] expected = {0, 0, 0, SMALLEST_NORMAL, -SMALLEST_NORMAL, 0.25};
        assertThat(head(net.params(), 6)).containsExactly(expected);
        assertThat(head(net.getUpdater().getStateViewArray(), 6)).containsExactly(expected);
    }

    @Test
    void doublePrecisionNetworksKeepFloatSizedValuesAndLoseOnlyTheirOwnSubnormals() {
        MultiLayerNetwork net = network("double");
        plant(net, SUBNORMAL, 1e-310, Double.MIN_NORMAL);

        Subnormals.flush(net);

        assertThat(head(net.params(), 3)).containsExactly((double) SUBNORMAL, 0, Double.MIN_NORMAL);
    }

    @Test
    void afterStepFlushesOnlyAtMultiplesOfItsIntervalAndNeverWithZero() {
        MultiLayerNetwork net = network("float");
        plant(net, SUBNORMAL);

        net.setIterationCount(49);
        Subnormals.afterStep(net, 50);
        assertThat(net.params().getFloat(0)).isEqualTo(SUBNORMAL);
        net.setIterationCount(100);
        Subnormals.afterStep(net, 0);
        assertThat(net.params().getFloat(0)).isEqualTo(SUBNORMAL);
        Subnormals.afterStep(net, 50);
        assertThat(net.params().getFloat(0)).isZero();
    }
}
