package io.dptrain.model;

import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Backprop of every preset agrees with central differences of the loss, on tiny double-precision
 * instances (the text presets with masked, variable-length rows). GradientCheckUtil compares the gradient after the updater, so the networks use SGD with
 * learning rate 1 and no clipping, and no dropout (it would make the loss random).
 */
@Tag("unit")
@Timeout(60)
class NetworkGradientCheckTest {
    private static final int EXAMPLES = 4;
    private static final int CLASSES = 3;

    private DataType savedDataType;
    private DataType savedFloatType;

    @BeforeEach
    void useDoublePrecision() {
        savedDataType = Nd4j.dataType();
        savedFloatType = Nd4j.defaultFloatingPointType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @AfterEach
    void restorePrecision() {
        // GradientCheckUtil's static initializer also switches the global default to DOUBLE, so restore after it.
        Nd4j.setDefaultDataTypes(savedDataType, savedFloatType);
    }

    private static DptrainConfig tiny(String... overrides) {
        List<String> all = Stream.concat(Stream.of("data.classes=" + CLASSES, "train.updater=sgd",
                "train.learning-rate=1.0", "train.gradient-clipping=none", "train.seed=12345"),
                Stream.of(overrides)).toList();
        return ConfigLoader.load(null, all);
    }

    @Test
    void mlpWithSigmoidUnitsAndL2() {
        assertThat(gradientsMatch(tiny("model.preset=mlp", "model.mlp.hidden=[5,4]", "model.mlp.activation=sigmoid",
                "train.l2=0.01", "data.height=4", "data.width=4"))).isTrue();
    }

    @Test
    void lenet() {
        assertThat(gradientsMatch(tiny("model.preset=lenet", "model.lenet.conv1-filters=2",
                "model.lenet.conv2-filters=3", "model.lenet.dense=5", "data.height=16", "data.width=16"))).isTrue();
    }

    @Test
    void vggMini() {
        assertThat(gradientsMatch(tiny(vggMini("false")))).isTrue();
    }

    @Test
    void vggMiniWithBatchNorm() {
        assertThat(gradientsMatch(tiny(vggMini("true")))).isTrue();
    }

    @Test
    void rnnWithVariableLengths() {
        assertThat(textGradientsMatch(tiny("model.preset=rnn", "data.vocabulary-size=6", "data.max-length=5",
                "model.rnn.embedding-size=3", "model.rnn.hidden-size=4"))).isTrue();
    }

    @Test
    void lstmAtItsLastStep() {
        assertThat(textGradientsMatch(tiny("model.preset=lstm", "data.vocabulary-size=6", "data.max-length=5",
                "model.lstm.embedding-size=3", "model.lstm.hidden-size=4", "model.lstm.pooling=last"))).isTrue();
    }

    @Test
    void bidirectionalLstmWithAveragePooling() {
        assertThat(textGradientsMatch(tiny("model.preset=lstm", "data.vocabulary-size=6", "data.max-length=5",
                "model.lstm.embedding-size=3", "model.lstm.hidden-size=4", "model.lstm.bidirectional=true",
                "model.lstm.pooling=avg"))).isTrue();
    }

    @Test
    void stackedLstmWithMaxPooling() {
        assertThat(textGradientsMatch(tiny("model.preset=lstm", "data.vocabulary-size=6", "data.max-length=5",
                "model.lstm.embedding-size=3", "model.lstm.hidden-size=3", "model.lstm.layers=2",
                "model.lstm.pooling=max"))).isTrue();
    }

    private static String[] vggMini(String batchNorm) {
        return new String[] {"model.preset=vgg-mini", "model.vgg-mini.block-filters=[2,3]",
                "model.vgg-mini.convs-per-block=1", "model.vgg-mini.dense=[4]", "model.vgg-mini.dropout=0",
                "model.vgg-mini.batch-norm=" + batchNorm, "data.height=8", "data.width=8"};
    }

    private static boolean gradientsMatch(DptrainConfig config) {
        MultiLayerNetwork net = Networks.create(config, DataType.DOUBLE);
        DptrainConfig.Data data = config.data();
        Nd4j.getRandom().setSeed(3);
        INDArray input = Nd4j.rand(DataType.DOUBLE, EXAMPLES, data.channels() * data.height() * data.width());
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, EXAMPLES, data.classes());
        for (int i = 0; i < EXAMPLES; i++) {
            labels.putScalar(i, i % data.classes(), 1.0);
        }
        return GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net).input(input).labels(labels)
                .epsilon(1e-6).maxRelError(1e-3).minAbsoluteError(1e-8)
                .excludeParams(batchNormRunningStatistics(net.getLayerWiseConfigurations())));
    }

    /**
     * Token rows of 5, 3, 1 and 4 real words padded with id 0 to max-length, with their mask: the padded
     * steps' embeddings get no gradient, and the check covers the embedding rows of the words used.
     */
    private static boolean textGradientsMatch(DptrainConfig config) {
        MultiLayerNetwork net = Networks.create(config, DataType.DOUBLE);
        DptrainConfig.Data data = config.data();
        TokenBatch batch = TokenBatch.random(DataType.DOUBLE, data.maxLength(), data.vocabularySize(), 3, 5, 3, 1, 4);
        return GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net).input(batch.features())
                .inputMask(batch.mask()).labels(TokenBatch.labels(DataType.DOUBLE, batch.rows(), data.classes()))
                .epsilon(1e-6).maxRelError(1e-3).minAbsoluteError(1e-8));
    }

    /**
     * Batch norm's running mean and variance are not trained by the loss: DL4J stores their moving-average
     * update in the gradient array, so they have no numerical gradient to compare (DL4J's own BN checks skip them).
     */
    private static Set<String> batchNormRunningStatistics(MultiLayerConfiguration conf) {
        Set<String> excluded = new HashSet<>();
        for (int i = 0; i < conf.getConfs().size(); i++) {
            if (conf.getConf(i).getLayer() instanceof BatchNormalization) {
                excluded.add(i + "_" + BatchNormalizationParamInitializer.GLOBAL_MEAN);
                excluded.add(i + "_" + BatchNormalizationParamInitializer.GLOBAL_VAR);
                excluded.add(i + "_" + BatchNormalizationParamInitializer.GLOBAL_LOG_STD);
            }
        }
        return excluded;
    }
}
