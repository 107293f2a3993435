package io.dptrain.model;

import io.dptrain.config.ConfigException;
import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import io.dptrain.config.Choices.Preset;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;
import org.nd4j.linalg.lossfunctions.impl.LossNegativeLogLikelihood;
import org.nd4j.linalg.schedule.ISchedule;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

@Tag("unit")
@Timeout(60)
class NetworksTest {

    private static DptrainConfig config(String... overrides) {
        return ConfigLoader.load(null, List.of(overrides));
    }

    /** Random pixels in [0, 1) as flat CHW rows, the form every trainer feeds. */
    private static INDArray pixels(int rows, int features) {
        Nd4j.getRandom().setSeed(7);
        return Nd4j.rand(DataType.FLOAT, rows, features);
    }

    private static long[] shapeOf(List<INDArray> activations, int layer) {
        // feedForward puts the input first, so layer i's output is element i + 1.
        return activations.get(layer + 1).shape();
    }

    @ParameterizedTest
    @EnumSource(value = Preset.class, names = {"MLP", "LENET", "VGG_MINI"})
    void everyImagePresetMapsFashionMnistImagesToClassProbabilities(Preset preset) {
        MultiLayerNetwork net = Networks.create(config("model.preset=" + preset.configName()));

        INDArray out = net.output(pixels(3, 28 * 28));

        assertThat(out.shape()).containsExactly(3, 10);
        for (double rowSum : out.sum(1).toDoubleVector()) {
            assertThat(rowSum).isCloseTo(1.0, within(1e-5));
        }
    }

    @Test
    void lenetShrinks28To24To12To8To4() {
        MultiLayerNetwork net = Networks.create(config("model.preset=lenet"));

        List<INDArray> acts = net.feedForward(pixels(2, 28 * 28), false);

        assertThat(shapeOf(acts, 0)).containsExactly(2, 20, 24, 24);
        assertThat(shapeOf(acts, 1)).containsExactly(2, 20, 12, 12);
        assertThat(shapeOf(acts, 2)).containsExactly(2, 50, 8, 8);
        assertThat(shapeOf(acts, 3)).containsExactly(2, 50, 4, 4);
        assertThat(shapeOf(acts, 4)).containsExactly(2, 500);
        assertThat(shapeOf(acts, 5)).containsExactly(2, 10);
    }

    @Test
    void lenetParameterCountMatchesHandCount() {
        long conv1 = 20 * (5 * 5 * 1) + 20;
        long conv2 = 50 * (5 * 5 * 20) + 50;
        long dense = 500 * (50 * 4 * 4) + 500;
        long output = 10 * 500 + 10;

        assertThat(Networks.create(config("model.preset=lenet")).numParams()).isEqualTo(conv1 + conv2 + dense + output);
    }

    @Test
    void vggMiniTwoBlocksLeave7x7BeforeTheDenseLayers() {
        MultiLayerNetwork net = Networks.create(config("model.preset=vgg-mini"));

        List<INDArray> acts = net.feedForward(pixels(2, 28 * 28), false);

        // conv, conv, pool, conv, conv, pool, dense, output
        assertThat(layerTypes(net.getLayerWiseConfigurations())).containsExactly(ConvolutionLayer.class,
                ConvolutionLayer.class, SubsamplingLayer.class, ConvolutionLayer.class, ConvolutionLayer.class,
                SubsamplingLayer.class, DenseLayer.class, org.deeplearning4j.nn.conf.layers.OutputLayer.class);
        assertThat(shapeOf(acts, 1)).containsExactly(2, 32, 28, 28);
        assertThat(shapeOf(acts, 5)).containsExactly(2, 64, 7, 7);
        assertThat(shapeOf(acts, 6)).containsExactly(2, 256);
    }

    @Test
    void vggMiniBatchNormGoesBetweenABiaslessConvAndTheReluAndDropoutIsARetainProbability() {
        MultiLayerConfiguration conf = Networks.configuration(config("model.preset=vgg-mini",
                "model.vgg-mini.block-filters=[4]", "model.vgg-mini.convs-per-block=1", "model.vgg-mini.dense=[8]",
                "model.vgg-mini.batch-norm=true", "model.vgg-mini.dropout=0.25"));

        assertThat(layerTypes(conf)).containsExactly(ConvolutionLayer.class, BatchNormalization.class,
                ActivationLayer.class, SubsamplingLayer.class, DenseLayer.class,
                org.deeplearning4j.nn.conf.layers.OutputLayer.class);
        ConvolutionLayer conv = (ConvolutionLayer) conf.getConf(0).getLayer();
        assertThat(conv.getActivationFn()).isInstanceOf(ActivationIdentity.class);
        assertThat(conv.hasBias()).isFalse();
        assertThat(conf.getConf(4).getLayer().getIDropout()).isInstanceOfSatisfying(Dropout.class,
                d -> assertThat(d.getP()).isEqualTo(0.75));
        assertThat(conf.getConf(5).getLayer().getIDropout()).isNull();
    }

    @Test
    void mlpWithoutHiddenLayersIsSoftmaxRegressionAndUsesTheConfiguredUnit() {
        MultiLayerNetwork regression = Networks.create(config("model.preset=mlp", "model.mlp.hidden=[]"));
        MultiLayerConfiguration sigmoid = Networks.configuration(config("model.preset=mlp",
                "model.mlp.hidden=[30]", "model.mlp.activation=sigmoid"));

        assertThat(regression.getnLayers()).isEqualTo(1);
        assertThat(regression.numParams()).isEqualTo(10 * 784 + 10);
        assertThat(((BaseLayer) sigmoid.getConf(0).getLayer()).getActivationFn()).isInstanceOf(ActivationSigmoid.class);
        assertThat(((BaseLayer) sigmoid.getConf(1).getLayer()).getActivationFn()).isInstanceOf(ActivationSoftmax.class);
    }

    @Test
    void threeChannelImagesWorkWhenTheyAreBigEnough() {
        String[] rgb8 = {"data.height=8", "data.width=8", "data.channels=3", "model.vgg-mini.block-filters=[4,8]"};
        MultiLayerNetwork vgg = Networks.create(config(concat(rgb8, "model.preset=vgg-mini")));
        MultiLayerNetwork lenet = Networks.create(config("model.preset=lenet", "data.height=16", "data.width=16",
                "data.channels=3"));

        assertThat(vgg.output(pixels(2, 3 * 8 * 8)).shape()).containsExactly(2, 10);
        assertThat(lenet.output(pixels(2, 3 * 16 * 16)).shape()).containsExactly(2, 10);
        assertThatThrownBy(() -> Networks.create(config(concat(rgb8, "model.preset=lenet"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("lenet needs images of at least 16x16")
                .hasMessageContaining("dptrain.data.height = 8");
    }

    @Test
    void vggMiniWithMoreBlocksThanTheImageCanHalveIsRejected() {
        assertThatThrownBy(() -> Networks.configuration(config("model.preset=vgg-mini", "data.height=8",
                "data.width=10", "model.vgg-mini.block-filters=[2,2,2,2]")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dptrain.model.vgg-mini.block-filters = [2, 2, 2, 2] has 4 blocks")
                .hasMessageContaining("8x10 image allows at most 3 blocks");
    }

    @Test
    void trainingSettingsReachEveryLayer() {
        MultiLayerConfiguration conf = Networks.configuration(config("model.preset=lenet", "train.updater=adam",
                "train.learning-rate=0.01", "train.l2=0.0005", "train.gradient-clipping=clip-l2-norm",
                "train.gradient-clipping-threshold=2.5", "train.seed=99"));

        assertThat(conf.getConf(0).getSeed()).isEqualTo(99);
        for (int i : new int[] {0, 2, 4, 5}) {
            BaseLayer layer = (BaseLayer) conf.getConf(i).getLayer();
            assertThat(layer.getIUpdater()).isInstanceOfSatisfying(Adam.class,
                    a -> assertThat(a.getLearningRate()).isEqualTo(0.01));
            assertThat(layer.getGradientNormalization()).isEqualTo(GradientNormalization.ClipL2PerLayer);
            assertThat(layer.getGradientNormalizationThreshold()).isEqualTo(2.5);
            assertThat(layer.getRegularization()).singleElement().isInstanceOfSatisfying(L2Regularization.class,
                    l2 -> assertThat(l2.getL2().valueAt(0, 0)).isEqualTo(0.0005));
        }
    }

    @Test
    void learningRateDecayMakesEveryUpdaterFollowAPerEpochSchedule() {
        for (String updater : List.of("sgd", "nesterov", "adam")) {
            BaseLayer layer = firstLayer(config("model.preset=mlp", "train.updater=" + updater,
                    "train.learning-rate=0.08", "train.learning-rate-decay=0.5"));
            IUpdater u = layer.getIUpdater();
            ISchedule schedule = switch (updater) {
                case "sgd" -> ((Sgd) u).getLearningRateSchedule();
                case "nesterov" -> ((Nesterovs) u).getLearningRateSchedule();
                default -> ((Adam) u).getLearningRateSchedule();
            };
            assertThat(schedule).isInstanceOfSatisfying(RateSchedule.class,
                    e -> assertThat(e.getWarmupSteps()).isZero());
            // epoch counter 0, 1, 3 = epochs 1, 2, 4; the iteration does not matter
            assertThat(schedule.valueAt(0, 0)).isCloseTo(0.08, within(1e-12));
            assertThat(schedule.valueAt(500, 1)).isCloseTo(0.04, within(1e-12));
            assertThat(schedule.valueAt(7, 3)).isCloseTo(0.01, within(1e-12));
        }
        BaseLayer constant = firstLayer(config("model.preset=mlp", "train.updater=adam", "train.learning-rate=0.08"));
        assertThat(((Adam) constant.getIUpdater()).getLearningRateSchedule()).isNull();
        assertThat(((Adam) constant.getIUpdater()).getLearningRate()).isEqualTo(0.08);
    }

    @Test
    void otherUpdatersClippingAndLossesMapToTheirDl4jCounterparts() {
        BaseLayer sgd = firstLayer(config("model.preset=mlp", "train.updater=sgd", "train.learning-rate=0.1",
                "train.gradient-clipping=clip-value", "train.gradient-clipping-threshold=0.5"));
        BaseLayer nesterov = firstLayer(config("model.preset=mlp", "train.updater=nesterov",
                "train.learning-rate=0.05", "train.momentum=0.8"));

        assertThat(sgd.getIUpdater()).isInstanceOfSatisfying(Sgd.class,
                s -> assertThat(s.getLearningRate()).isEqualTo(0.1));
        assertThat(sgd.getGradientNormalization()).isEqualTo(GradientNormalization.ClipElementWiseAbsoluteValue);
        assertThat(sgd.getGradientNormalizationThreshold()).isEqualTo(0.5);
        assertThat(sgd.getRegularization()).isEmpty();
        assertThat(nesterov.getIUpdater()).isInstanceOfSatisfying(Nesterovs.class, n -> {
            assertThat(n.getLearningRate()).isEqualTo(0.05);
            assertThat(n.getMomentum()).isEqualTo(0.8);
        });
        assertThat(nesterov.getGradientNormalization()).isEqualTo(GradientNormalization.None);
        assertThat(outputLoss("mcxent")).isInstanceOf(LossMCXENT.class);
        assertThat(outputLoss("negative-log-likelihood")).isInstanceOf(LossNegativeLogLikelihood.class);
        assertThat(outputLoss("mse")).isInstanceOf(LossMSE.class);
    }

    @Test
    void theSeedAloneDecidesTheInitialParameters() {
        INDArray first = Networks.create(config("model.preset=lenet", "train.seed=5")).params();
        INDArray again = Networks.create(config("model.preset=lenet", "train.seed=5")).params();
        INDArray other = Networks.create(config("model.preset=lenet", "train.seed=6")).params();

        assertThat(again).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
    }

    @Test
    void theDataTypeIsTheOneAskedFor() {
        DptrainConfig mlp = config("model.preset=mlp", "model.mlp.hidden=[4]");

        assertThat(Networks.create(mlp).params().dataType()).isEqualTo(DataType.FLOAT);
        assertThat(Networks.create(mlp, DataType.DOUBLE).params().dataType()).isEqualTo(DataType.DOUBLE);
    }

    private static BaseLayer firstLayer(DptrainConfig config) {
        return (BaseLayer) Networks.configuration(config).getConf(0).getLayer();
    }

    private static Object outputLoss(String loss) {
        MultiLayerConfiguration conf = Networks.configuration(config("model.preset=mlp", "train.loss=" + loss));
        return ((BaseOutputLayer) conf.getConf(conf.getConfs().size() - 1).getLayer()).getLossFn();
    }

    private static List<Class<? extends Layer>> layerTypes(MultiLayerConfiguration conf) {
        List<Class<? extends Layer>> types = new ArrayList<>();
        conf.getConfs().forEach(c -> types.add(c.getLayer().getClass()));
        return types;
    }

    private static String[] concat(String[] base, String... more) {
        String[] all = Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }
}
