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
        assertThat(maxAbsDiff(plain.params(), initial)).as("the steps moved the parameters").isGreaterThan(1e-4);
        double scale = plain.params().norm2Number().doubleValue() / Math.sqrt(plain.params().length());
        assertThat(maxAbsDiff(fast.params(), plain.params())).isLessThan(1e-4 * Math.max(1, scale) + 1e-5);
        assertThat(Math.abs(fast.score() - plain.score())).isLessThan(1e-4);
    }

    private static double maxAbsDiff(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue();
    }
}
