package io.dptrain.model;

import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("unit")
@Timeout(120)
class VectorizedAdamTest {

    /**
     * The step against libnd4j's adam_updater op on the same random gradient and state, at every iteration up to
     * 3000 (the bias correction depends on it) and a few beyond.
     */
    @Test
    void theStepIsLibnd4jsAdamOpToTheLastBit() {
        Random random = new Random(3);
        int n = 1000;
        float[] g = new float[n];
        float[] m = new float[n];
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = (float) random.nextGaussian() * (i % 7 == 0 ? 1e-6f : 0.05f);
            m[i] = (float) random.nextGaussian() * 0.01f;
            v[i] = (float) Math.abs(random.nextGaussian()) * 1e-4f;
        }
        List<Integer> iterations = new ArrayList<>(IntStream.range(0, 3000).boxed().toList());
        iterations.addAll(List.of(10_000, 60_000, 1_000_000));
        for (int iteration : iterations) {
            INDArray opG = Nd4j.createFromArray(g.clone()).reshape(1, n);
            INDArray opM = Nd4j.createFromArray(m.clone()).reshape(1, n);
            INDArray opV = Nd4j.createFromArray(v.clone()).reshape(1, n);
            Nd4j.exec(new AdamUpdater(opG, opV, opM, 1e-3, 0.9, 0.999, 1e-8, iteration));
            float[] ourG = g.clone();
            float[] ourM = m.clone();
            float[] ourV = v.clone();
            VectorizedAdam.step(ourG, ourM, ourV, ourG.length, 1e-3f, 0.9f, 0.999f, 1e-8f, iteration);

            // isEqualTo compares arrays element by element (containsExactly is quadratic)
            assertThat(ourM).as("m at iteration " + iteration).isEqualTo(opM.toFloatVector());
            assertThat(ourV).as("v at iteration " + iteration).isEqualTo(opV.toFloatVector());
            assertThat(ourG).as("update at iteration " + iteration).isEqualTo(opG.toFloatVector());
        }
    }

    private static DptrainConfig config(String preset, String dataType) {
        return ConfigLoader.load(null, List.of("model.preset=" + preset, "train.updater=adam",
                "train.l2=0.0005", "train.learning-rate-decay=0.7", "model.data-type=" + dataType,
                "model.lenet.conv1-filters=4", "model.lenet.conv2-filters=8", "model.lenet.dense=32"));
    }

    private static MultiLayerNetwork network(String preset, String dataType) {
        return Networks.create(config(preset, dataType));
    }

    /** The same network (and layer helpers) with DL4J's own Adam in every layer, from the same parameters. */
    private static MultiLayerNetwork withDl4jAdam(DptrainConfig config, MultiLayerNetwork net) {
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations().clone();
        for (NeuralNetConfiguration layer : conf.getConfs()) {
            if (layer.getLayer() instanceof BaseLayer base && base.getIUpdater() instanceof VectorizedAdam ours) {
                Adam plain = new Adam(ours.getLearningRate(), ours.getBeta1(), ours.getBeta2(), ours.getEpsilon());
                plain.setLrAndSchedule(ours.getLearningRate(), ours.getLearningRateSchedule());
                base.setIUpdater(plain);
            }
        }
        MultiLayerNetwork plain = Networks.create(config, conf);
        plain.setParams(net.params().dup());
        return plain;
    }

    private static List<DataSet> batches(MultiLayerNetwork net, int count) {
        Nd4j.getRandom().setSeed(11);
        List<DataSet> batches = new ArrayList<>();
        for (int b = 0; b < count; b++) {
            INDArray features = Nd4j.rand(net.params().dataType(), 16, 1, 28, 28);
            INDArray labels = Nd4j.zeros(net.params().dataType(), 16, 10);
            for (int i = 0; i < 16; i++) {
                labels.putScalar(i, (i * 7 + b) % 10, 1);
            }
            batches.add(new DataSet(features, labels));
        }
        return batches;
    }

    /**
     * Training with it follows DL4J's Adam through DL4J's whole update (schedule, L2, division by the minibatch),
     * for a network of one updater block (lenet) and of several (vgg-mini: batch normalization's running
     * statistics have their own), whose views into the state start at offsets.
     */
    @ParameterizedTest
    @ValueSource(strings = {"lenet", "vgg-mini"})
    void trainingFollowsDl4jsAdam(String preset) {
        MultiLayerNetwork ours = network(preset, "float");
        MultiLayerNetwork plain = withDl4jAdam(config(preset, "float"), ours);
        assertThat(ours.getLayer(0).conf().getLayer()).isInstanceOfSatisfying(BaseLayer.class,
                l -> assertThat(l.getIUpdater()).isInstanceOf(VectorizedAdam.class));
        assertThat(plain.getLayer(0).conf().getLayer()).isInstanceOfSatisfying(BaseLayer.class,
                l -> assertThat(l.getIUpdater()).isExactlyInstanceOf(Adam.class));

        for (DataSet batch : batches(ours, 6)) {
            ours.fit(batch);
            plain.fit(batch);
        }

        assertThat(ours.params().toFloatVector()).isEqualTo(plain.params().toFloatVector());
        assertThat(ours.getUpdater().getStateViewArray().toFloatVector())
                .isEqualTo(plain.getUpdater().getStateViewArray().toFloatVector());
        assertThat(ours.params()).isNotEqualTo(network(preset, "float").params()); // it trained
    }

    @Test
    void networksTakeItUnlessConfiguredOtherwise() {
        IUpdater dl4j = ((BaseLayer) Networks.create(ConfigLoader.load(null, List.of("model.preset=mlp",
                "train.updater=adam", "train.vectorized-adam=false"))).getLayerWiseConfigurations().getConf(0)
                .getLayer()).getIUpdater();
        IUpdater ours = ((BaseLayer) network("mlp", "float").getLayerWiseConfigurations().getConf(0).getLayer())
                .getIUpdater();

        assertThat(dl4j).isExactlyInstanceOf(Adam.class);
        assertThat(ours).isExactlyInstanceOf(VectorizedAdam.class);
    }

    @Test
    void doublePrecisionTakesLibnd4jsOpAndMatchesDl4jExactly() {
        MultiLayerNetwork ours = network("lenet", "double");
        MultiLayerNetwork plain = withDl4jAdam(config("lenet", "double"), ours);
        for (DataSet batch : batches(ours, 3)) {
            ours.fit(batch);
            plain.fit(batch);
        }
        assertThat(ours.params().toDoubleVector()).isEqualTo(plain.params().toDoubleVector());
    }

    @Test
    void theConfigurationSurvivesJsonAndCloneAsItself() {
        MultiLayerNetwork net = network("lenet", "float");
        MultiLayerConfiguration restored = MultiLayerConfiguration.fromJson(net.getLayerWiseConfigurations().toJson());
        IUpdater original = ((BaseLayer) net.getLayerWiseConfigurations().getConf(0).getLayer()).getIUpdater();
        IUpdater read = ((BaseLayer) restored.getConf(0).getLayer()).getIUpdater();

        // RateSchedule has no equals of its own: the JSON says the same instead
        assertThat(read).isExactlyInstanceOf(VectorizedAdam.class);
        assertThat(restored.toJson()).isEqualTo(net.getLayerWiseConfigurations().toJson());
        assertThat(original.clone()).isExactlyInstanceOf(VectorizedAdam.class).isEqualTo(original);
        assertThat(original).isNotEqualTo(new Adam(1e-3));
        assertThat(new Adam(1e-3)).isNotEqualTo(new VectorizedAdam(1e-3));
        assertThat(((VectorizedAdam) read).getLearningRate(100, 2))
                .isEqualTo(((VectorizedAdam) original).getLearningRate(100, 2));
        assertThat(DataType.FLOAT).isEqualTo(net.params().dataType());
    }
}
