package io.dptrain.model;

import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;

@Tag("unit")
@Timeout(120)
class OneDnnHelpersTest {

    private static DptrainConfig config(String... overrides) {
        return ConfigLoader.load(null, List.of(overrides));
    }

    private static DataSet batch(int rows) {
        Nd4j.getRandom().setSeed(11);
        INDArray pixels = Nd4j.rand(DataType.FLOAT, rows, 28 * 28);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, rows, 10);
        for (int i = 0; i < rows; i++) {
            labels.putScalar(i, i % 10, 1.0);
        }
        return new DataSet(pixels, labels);
    }

    @Test
    void theTestJvmRunsNd4jsOneDnnBuildAsEveryJvmDptrainStarts() {
        // The surefire argLine sets the same JavaCPP extension as jobs/dptrain and conf/spark-defaults.conf.
        assertThat(NativeBuild.loaded()).isEqualTo(NativeBuild.ONEDNN);
    }

    @Test
    void convolutionPoolingAndBatchNormLayersGetDl4jsOneDnnHelpersAndOthersNone() {
        MultiLayerNetwork net = Networks.create(config("model.preset=vgg-mini"));
        for (Layer layer : net.getLayers()) {
            Object helper = layer.getHelper();
            if (layer instanceof ConvolutionLayer) {
                assertThat(helper).isInstanceOf(MKLDNNConvHelper.class);
            } else if (layer instanceof SubsamplingLayer) {
                assertThat(helper).isInstanceOf(MKLDNNSubsamplingHelper.class);
            } else if (layer instanceof BatchNormalization) {
                assertThat(helper).isInstanceOf(MKLDNNBatchNormHelper.class);
            } else {
                assertThat(helper).as("layer %d %s", layer.getIndex(), layer.getClass()).isNull();
            }
        }
    }

    @Test
    void switchedOffTheLayersKeepDl4jsBuiltInPath() {
        MultiLayerNetwork net = Networks.create(config("model.preset=lenet", "model.onednn-helpers=false"));
        for (Layer layer : net.getLayers()) {
            assertThat(layer.getHelper()).isNull();
        }
    }

    /** The helpers change how, not what: same outputs and, after SGD steps, same parameters to float rounding. */
    @ParameterizedTest
    @ValueSource(strings = {"lenet", "vgg-mini"})
    void helpersComputeWhatTheBuiltInPathComputesToFloatRounding(String preset) {
        // vgg-mini without dropout: its random masks would differ between the two networks' draws. Plain SGD:
        // Adam's first steps are about lr * sign(gradient), so a gradient at rounding level could move a weight
        // by a whole lr on one path and not the other; SGD keeps a rounding difference a rounding difference.
        String[] settings = {"model.preset=" + preset, "model.vgg-mini.dropout=0", "train.updater=sgd",
            "train.learning-rate=0.05"};
        MultiLayerNetwork fast = Networks.create(config(settings));
        MultiLayerNetwork plain = Networks.create(config(java.util.stream.Stream.concat(
                java.util.Arrays.stream(settings), java.util.stream.Stream.of("model.onednn-helpers=false"))
                .toArray(String[]::new)));
        assertThat(fast.getLayer(0).getHelper()).isNotNull();
        assertThat(fast.params()).isEqualTo(plain.params());
        DataSet batch = batch(32);
        INDArray fastOut = fast.output(batch.getFeatures());
        INDArray plainOut = plain.output(batch.getFeatures());
        assertThat(maxAbsDiff(fastOut, plainOut)).isLessThan(1e-5);
        INDArray initial = plain.params().dup();
        for (int step = 0; step < 3; step++) {
            fast.fit(batch);
            plain.fit(batch);
        }
        double moved = maxAbsDiff(plain.params(), initial);
        assertThat(moved).as("the steps moved the parameters").isGreaterThan(1e-4);
        // Measured against how far the steps moved them: a rounding difference can flip a ReLU or a max-pool tie
        // and move a few weights by more than rounding (LeNet on an AMD EPYC: 2.3e-4 at most, 0.17% of the largest
        // move of 0.14; on average 2.6e-7 against 9.3e-4, 0.03%), while a wrong kernel would be wrong everywhere.
        assertThat(maxAbsDiff(fast.params(), plain.params())).isLessThan(0.01 * moved);
        assertThat(meanAbsDiff(fast.params(), plain.params())).isLessThan(1e-3 * meanAbsDiff(plain.params(), initial));
        // the loss of the last step: 2e-4 apart on that machine
        assertThat(fast.score()).isCloseTo(plain.score(), withinPercentage(0.1));
    }

    private static double maxAbsDiff(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue();
    }

    private static double meanAbsDiff(INDArray a, INDArray b) {
        return a.sub(b).norm1Number().doubleValue() / a.length();
    }
}
