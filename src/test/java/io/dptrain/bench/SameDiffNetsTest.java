package io.dptrain.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import io.dptrain.model.Networks;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** The SameDiff trial's graphs are the presets they are timed against, and they train. */
class SameDiffNetsTest {

    @Test
    void lenetGraphHasTheNetworksParametersAndTrains() {
        DptrainConfig config = ConfigLoader.load(null, List.of("model.preset=lenet"));
        SameDiff graph = SameDiffNets.build(config);
        assertThat(parameters(graph)).isEqualTo(Networks.create(config).numParams());

        INDArray features = Nd4j.rand(DataType.FLOAT, 8, 784);
        INDArray labels = Nd4j.eye(10).castTo(DataType.FLOAT).getRows(0, 1, 2, 3, 4, 5, 6, 7);
        assertTrainingStepMovesParameters(graph, new DataSet(features, labels));
    }

    /**
     * Only the shape: a training step of this graph is not deterministic enough to test in M2. It passed, then
     * failed in a CI run inside libnd4j ("Op with name permute ... Output array did not match expected shape"),
     * and one bench-step JVM died of a SIGSEGV in it: the reason the fused LSTM is a benchmark trial, not shipped.
     */
    @Test
    void lstmGraphHasTheShippedPresetsParameters() {
        DptrainConfig config = ConfigLoader.load(Path.of("conf", "spamassassin-lstm.conf"),
                List.of("data.vocabulary-size=50", "data.max-length=6"));
        SameDiff graph = SameDiffNets.build(config);
        assertThat(parameters(graph)).isEqualTo(Networks.create(config).numParams());
    }

    @Test
    void otherShapesAreRefusedByName() {
        DptrainConfig vgg = ConfigLoader.load(null, List.of("model.preset=vgg-mini"));
        assertThatThrownBy(() -> SameDiffNets.build(vgg)).hasMessageContaining("dptrain.model.preset = vgg-mini");
        DptrainConfig bidirectional = ConfigLoader.load(Path.of("conf", "spamassassin-lstm.conf"),
                List.of("model.lstm.bidirectional=true"));
        assertThatThrownBy(() -> SameDiffNets.build(bidirectional)).hasMessageContaining("bidirectional=true");
    }

    private static long parameters(SameDiff graph) {
        return graph.variables().stream().filter(v -> v.getVariableType() == VariableType.VARIABLE)
                .mapToLong(v -> v.getArr().length()).sum();
    }

    private static void assertTrainingStepMovesParameters(SameDiff graph, DataSet batch) {
        List<SDVariable> variables = graph.variables().stream()
                .filter(v -> v.getVariableType() == VariableType.VARIABLE).toList();
        List<INDArray> before = variables.stream().map(v -> v.getArr().dup()).toList();
        graph.fit(batch);
        for (int i = 0; i < variables.size(); i++) {
            INDArray after = variables.get(i).getArr();
            assertThat(after).as(variables.get(i).name()).isNotEqualTo(before.get(i));
            assertThat(after.isInfinite().any() || after.isNaN().any()).as(variables.get(i).name()).isFalse();
        }
    }
}
