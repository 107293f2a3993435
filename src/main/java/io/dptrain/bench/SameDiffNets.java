package io.dptrain.bench;

import io.dptrain.config.Choices.SequencePooling;
import io.dptrain.config.DptrainConfig;
import io.dptrain.model.Networks;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.recurrent.config.LSTMActivations;
import org.nd4j.linalg.api.ops.impl.layers.recurrent.config.LSTMDataFormat;
import org.nd4j.linalg.api.ops.impl.layers.recurrent.config.LSTMDirectionMode;
import org.nd4j.linalg.api.ops.impl.layers.recurrent.config.LSTMLayerConfig;
import org.nd4j.linalg.api.ops.impl.layers.recurrent.weights.LSTMLayerWeights;
import org.nd4j.weightinit.impl.XavierInitScheme;
import org.nd4j.weightinit.impl.ZeroInitScheme;

/**
 * The lenet and lstm presets written as SameDiff graphs, for the step benchmark's SameDiff trial (issue 14: is
 * DL4J's graph API faster than MultiLayerNetwork for the same network?). Same layers and sizes as {@link Networks}'
 * presets, the same updater, float parameters; Xavier initialization everywhere (only the step's time is compared,
 * not training). {@code sd.fit(minibatch)} is one step.
 * <ul>
 *   <li>lenet: 5x5 valid convolutions with ReLU, 2x2 max pools, a ReLU dense layer, softmax cross-entropy; each
 *   convolution and pool is one libnd4j op, which the {@code -onednn} build runs with oneDNN.</li>
 *   <li>lstm (one forward layer, average pooling, the shipped text preset): embedding lookup, libnd4j's fused
 *   {@code lstm_layer} op over the whole sequence (one op forward and one backward instead of DL4J's per-step
 *   Java loop), mean of the outputs over the real steps (the features mask), softmax cross-entropy. Padding is at
 *   the end, so a forward LSTM's outputs at real steps do not depend on it. No gradient clipping.</li>
 * </ul>
 */
final class SameDiffNets {
    private SameDiffNets() {
    }

    /** The configured preset's graph with its training configuration set. */
    static SameDiff build(DptrainConfig config) {
        return switch (config.model().preset()) {
            case LENET -> lenet(config);
            case LSTM -> lstm(config);
            default -> throw new IllegalArgumentException("the SameDiff trial builds the lenet and lstm presets "
                    + "only, got dptrain.model.preset = " + config.model().preset().configName());
        };
    }

    private static SameDiff lenet(DptrainConfig config) {
        DptrainConfig.Data data = config.data();
        DptrainConfig.LeNet lenet = config.model().lenet();
        int channels = data.channels();
        SameDiff sd = SameDiff.create();
        SDVariable input = sd.placeHolder("input", DataType.FLOAT, -1, (long) channels * data.height() * data.width());
        SDVariable label = sd.placeHolder("label", DataType.FLOAT, -1, data.classes());
        SDVariable x = input.reshape(-1, channels, data.height(), data.width());
        x = convolutionBlock(sd, "conv1", x, channels, lenet.conv1Filters());
        x = convolutionBlock(sd, "conv2", x, lenet.conv1Filters(), lenet.conv2Filters());
        // Two 5x5 valid convolutions, each followed by a 2x2 pool of stride 2.
        long height = ((data.height() - 4) / 2 - 4) / 2;
        long width = ((data.width() - 4) / 2 - 4) / 2;
        long flat = lenet.conv2Filters() * height * width;
        x = sd.nn.relu(dense(sd, "dense", x.reshape(-1, flat), flat, lenet.dense()), 0);
        sd.loss.softmaxCrossEntropy("loss", label, dense(sd, "out", x, lenet.dense(), data.classes()), null);
        sd.setTrainingConfig(training(config).build());
        return sd;
    }

    private static SameDiff lstm(DptrainConfig config) {
        DptrainConfig.Data data = config.data();
        DptrainConfig.Lstm lstm = config.model().lstm();
        if (lstm.layers() != 1 || lstm.bidirectional() || lstm.pooling() != SequencePooling.AVG || lstm.dropout() > 0
                || lstm.tbpttLength() > 0) {
            throw new IllegalArgumentException("the SameDiff trial builds the shipped lstm shape only (1 layer, "
                    + "forward, pooling avg, no dropout, no truncated BPTT), got " + lstm);
        }
        long steps = data.maxLength();
        long embedding = lstm.embeddingSize();
        long hidden = lstm.hiddenSize();
        SameDiff sd = SameDiff.create();
        SDVariable ids = sd.placeHolder("input", DataType.FLOAT, -1, steps);
        SDVariable mask = sd.placeHolder("mask", DataType.FLOAT, -1, steps);
        SDVariable label = sd.placeHolder("label", DataType.FLOAT, -1, data.classes());
        SDVariable vectors = sd.var("embedding", xavier(data.vocabularySize(), embedding), DataType.FLOAT,
                data.vocabularySize(), embedding);
        SDVariable x = sd.gather(vectors, ids.castTo(DataType.INT), 0); // [n, T, embedding]
        LSTMLayerWeights weights = LSTMLayerWeights.builder()
                .weights(sd.var("lstm_W", xavier(embedding, 4 * hidden), DataType.FLOAT, embedding, 4 * hidden))
                .rWeights(sd.var("lstm_RW", xavier(hidden, 4 * hidden), DataType.FLOAT, hidden, 4 * hidden))
                .bias(bias(sd, "lstm_b", 4 * hidden))
                .build();
        LSTMLayerConfig cell = LSTMLayerConfig.builder()
                .lstmdataformat(LSTMDataFormat.NTS).directionMode(LSTMDirectionMode.FWD)
                .gateAct(LSTMActivations.SIGMOID).cellAct(LSTMActivations.TANH).outAct(LSTMActivations.TANH)
                .retFullSequence(true).retLastH(false).retLastC(false)
                .build();
        SDVariable h = sd.rnn.lstmLayer(x, weights, cell)[0]; // [n, T, hidden]
        SDVariable pooled = h.mul(mask.reshape(-1, steps, 1)).sum(1).div(mask.sum(true, 1));
        sd.loss.softmaxCrossEntropy("loss", label, dense(sd, "out", pooled, hidden, data.classes()), null);
        sd.setTrainingConfig(training(config).dataSetFeatureMaskMapping("mask").build());
        return sd;
    }

    /** A 5x5 valid convolution (weights [kH, kW, in, out]) with bias and ReLU, then a 2x2 max pool of stride 2. */
    private static SDVariable convolutionBlock(SameDiff sd, String name, SDVariable in, long inChannels,
                                               long filters) {
        SDVariable w = sd.var(name + "_W", xavier(inChannels * 25, filters * 25), DataType.FLOAT, 5, 5, inChannels,
                filters);
        SDVariable b = bias(sd, name + "_b", filters);
        SDVariable conv = sd.cnn.conv2d(in, w, b, Conv2DConfig.builder().kH(5).kW(5).sH(1).sW(1)
                .dataFormat("NCHW").build());
        return sd.cnn.maxPooling2d(sd.nn.relu(conv, 0),
                Pooling2DConfig.builder().kH(2).kW(2).sH(2).sW(2).isNHWC(false).build());
    }

    private static SDVariable dense(SameDiff sd, String name, SDVariable in, long nIn, long nOut) {
        SDVariable w = sd.var(name + "_W", xavier(nIn, nOut), DataType.FLOAT, nIn, nOut);
        return in.mmul(w).add(bias(sd, name + "_b", nOut));
    }

    /** A trainable zero-initialized bias ({@code SameDiff.zero} would make a constant). */
    private static SDVariable bias(SameDiff sd, String name, long size) {
        return sd.var(name, new ZeroInitScheme('c'), DataType.FLOAT, size);
    }

    private static XavierInitScheme xavier(long fanIn, long fanOut) {
        return new XavierInitScheme('c', fanIn, fanOut);
    }

    /** The updater (with its schedule) of the MultiLayerNetwork the trial is compared with. */
    private static TrainingConfig.Builder training(DptrainConfig config) {
        BaseLayer firstLayer = (BaseLayer) Networks.configuration(config).getConf(0).getLayer();
        return new TrainingConfig.Builder()
                .updater(firstLayer.getIUpdater())
                .dataSetFeatureMapping("input")
                .dataSetLabelMapping("label");
    }
}
