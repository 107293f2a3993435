package io.dptrain.model;

import io.dptrain.config.Choices;
import io.dptrain.config.ConfigException;
import io.dptrain.config.Choices.Precision;
import io.dptrain.config.Choices.SequencePooling;
import io.dptrain.config.DptrainConfig;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration.ListBuilder;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.conf.layers.recurrent.SimpleRnn;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * Builds the DL4J network of a run from its configuration: the preset and its sizes
 * ({@code dptrain.model}), the optimization settings ({@code dptrain.train}) and the example shape
 * ({@code dptrain.data}).
 *
 * <p>Every preset takes one-hot labels {@code [n, classes]} and ends in a softmax output layer.
 * The image presets (mlp, lenet, vgg-mini) take flat feature rows {@code [n, channels*height*width]}
 * in CHW order; the convolutional ones declare a flat convolutional input type, so DL4J inserts the
 * reshaping preprocessor.
 *
 * <p>The text presets (rnn, lstm) classify a whole token sequence (many-to-one). They take features
 * {@code [n, max-length]} holding token ids 0..vocabulary-size-1 as floating-point numbers, padded
 * with id 0 at the end of each row, and a features mask {@code [n, max-length]} (1 for a real token,
 * 0 for padding), set with {@code MultiLayerNetwork.setLayerMaskArrays} or carried by the DataSet.
 * The embedding zeroes masked steps, the recurrent layers, {@link LastTimeStep} and the masked global
 * pooling honour the mask, so padding never reaches the output or the gradient. Rows must have
 * exactly {@code max-length} columns; DL4J also accepts {@code [n, 1, max-length]}.
 *
 * <p>Gradient clipping ({@code dptrain.train.gradient-clipping}) applies to every layer, the cure for
 * exploding gradients through time. With {@code tbptt-length} L > 0 (rnn, or lstm with pooling last and
 * no bidirectional layer) the network ends instead in a per-step softmax {@link RnnOutputLayer} trained
 * with DL4J's truncated BPTT in segments of L steps: DL4J truncates only per-step labels
 * {@code [n, classes, T]}, so such a network takes the layout of {@link SequenceOutputs}: features
 * {@code [n, 1, T]}, the one-hot label at each example's last real step only, masked elsewhere.
 */
public final class Networks {
    /** LeNet's two 5x5 valid convolutions and two 2x2 pools need 16 pixels to leave a 1x1 map. */
    static final int LENET_MIN_SIDE = 16;

    private Networks() {
    }

    /**
     * The network configuration in single precision, the training default.
     *
     * @throws ConfigException if the image is too small for the preset's convolutions and pools
     */
    public static MultiLayerConfiguration configuration(DptrainConfig config) {
        return configuration(config, dataType(config));
    }

    /**
     * The network configuration with the given parameter data type (DOUBLE for gradient checks).
     *
     * @throws ConfigException if the image is too small for the preset's convolutions and pools
     */
    public static MultiLayerConfiguration configuration(DptrainConfig config, DataType dataType) {
        return configuration(config, dataType, CNN2DFormat.NCHW);
    }

    /**
     * As {@link #configuration(DptrainConfig, DataType)}, with the convolutional presets' activations in
     * {@code imageLayout}. NCHW is what training uses (flat CHW rows in); with NHWC the lenet and vgg-mini
     * presets take features {@code [n, height, width, channels]} and every convolution and pooling layer works
     * channels-last. {@code dptrain bench-step --image-layout} times it (issue 14: it did not pay, see README).
     *
     * @throws ConfigException if the image is too small for the preset's convolutions and pools
     */
    public static MultiLayerConfiguration configuration(DptrainConfig config, DataType dataType,
                                                        CNN2DFormat imageLayout) {
        DptrainConfig.Training train = config.train();
        NeuralNetConfiguration.Builder global = new NeuralNetConfiguration.Builder()
                .seed(train.seed())
                .dataType(dataType)
                .updater(updater(config))
                .gradientNormalization(clipping(train.gradientClipping()))
                .gradientNormalizationThreshold(train.gradientClippingThreshold());
        if (train.l2() > 0) {
            // Plain L2 added to the loss (not decoupled weight decay), so its gradient goes through the updater.
            global.l2(train.l2());
        }
        ListBuilder layers = global.list();
        DptrainConfig.Model model = config.model();
        DptrainConfig.Data data = config.data();
        switch (model.preset()) {
            case MLP -> mlp(layers, model.mlp(), data);
            case LENET -> lenet(layers, model.lenet(), data, imageInput(data, imageLayout));
            case VGG_MINI -> vggMini(layers, model.vggMini(), data, imageInput(data, imageLayout));
            case RNN -> rnn(layers, model.rnn(), data);
            case LSTM -> lstm(layers, model.lstm(), data);
        }
        int tbptt = model.tbpttLength();
        if (tbptt > 0) {
            // Truncated BPTT needs per-step outputs; the data puts the label (and loss) at the last real step only.
            return layers.layer(new RnnOutputLayer.Builder(loss(train.loss()))
                            .nOut(data.classes())
                            .activation(Activation.SOFTMAX)
                            .weightInit(WeightInit.XAVIER)
                            .build())
                    .backpropType(BackpropType.TruncatedBPTT)
                    .tBPTTForwardLength(tbptt)
                    .tBPTTBackwardLength(tbptt)
                    .build();
        }
        return layers.layer(new OutputLayer.Builder(loss(train.loss()))
                        .nOut(data.classes())
                        .activation(Activation.SOFTMAX)
                        .weightInit(WeightInit.XAVIER)
                        .build())
                .build();
    }

    /** An initialized single-precision network, ready to fit. */
    public static MultiLayerNetwork create(DptrainConfig config) {
        return create(config, dataType(config));
    }

    /** An initialized network with the given parameter data type (DOUBLE for gradient checks). */
    public static MultiLayerNetwork create(DptrainConfig config, DataType dataType) {
        NativeBuild.load(); // before this thread builds anything with nd4j
        return create(config, configuration(config, dataType));
    }

    /** An initialized network of {@code configuration} (one of this class's), with the run's layer helpers. */
    public static MultiLayerNetwork create(DptrainConfig config, MultiLayerConfiguration configuration) {
        NativeBuild.load();
        MultiLayerNetwork net = new MultiLayerNetwork(configuration);
        net.init();
        if (config.model().onednnHelpers()) {
            OneDnnHelpers.engage(net);
        }
        return net;
    }

    private static void mlp(ListBuilder layers, DptrainConfig.Mlp mlp, DptrainConfig.Data data) {
        Activation activation = switch (mlp.activation()) {
            case SIGMOID -> Activation.SIGMOID;
            case TANH -> Activation.TANH;
            case RELU -> Activation.RELU;
        };
        // RELU init (He) keeps ReLU activations from shrinking layer by layer; Xavier suits the saturating units.
        WeightInit init = activation == Activation.RELU ? WeightInit.RELU : WeightInit.XAVIER;
        for (int size : mlp.hidden()) {
            layers.layer(new DenseLayer.Builder().nOut(size).activation(activation).weightInit(init).build());
        }
        layers.setInputType(InputType.feedForward((long) data.channels() * data.height() * data.width()));
    }

    /**
     * NCHW: flat CHW rows, reshaped by the preprocessor DL4J inserts. NHWC: 4-d channels-last features; DL4J
     * gives each convolution and pooling layer the input type's layout.
     */
    private static InputType imageInput(DptrainConfig.Data data, CNN2DFormat layout) {
        return layout == CNN2DFormat.NCHW
                ? InputType.convolutionalFlat(data.height(), data.width(), data.channels())
                : InputType.convolutional(data.height(), data.width(), data.channels(), layout);
    }

    private static void lenet(ListBuilder layers, DptrainConfig.LeNet lenet, DptrainConfig.Data data,
                              InputType input) {
        if (data.height() < LENET_MIN_SIDE || data.width() < LENET_MIN_SIDE) {
            throw new ConfigException("dptrain.model.preset = lenet needs images of at least " + LENET_MIN_SIDE + "x"
                    + LENET_MIN_SIDE + " (two 5x5 convolutions and two 2x2 pools), got dptrain.data.height = "
                    + data.height() + ", dptrain.data.width = " + data.width());
        }
        layers.layer(conv(5, lenet.conv1Filters(), ConvolutionMode.Truncate, Activation.RELU, true))
                .layer(maxPool())
                .layer(conv(5, lenet.conv2Filters(), ConvolutionMode.Truncate, Activation.RELU, true))
                .layer(maxPool())
                .layer(new DenseLayer.Builder().nOut(lenet.dense()).activation(Activation.RELU)
                        .weightInit(WeightInit.RELU).build())
                .setInputType(input);
    }

    private static void vggMini(ListBuilder layers, DptrainConfig.VggMini vgg, DptrainConfig.Data data,
                                InputType input) {
        int blocks = vgg.blockFilters().size();
        int maxBlocks = 31 - Integer.numberOfLeadingZeros(Math.min(data.height(), data.width()));
        if (blocks > maxBlocks) {
            throw new ConfigException("dptrain.model.vgg-mini.block-filters = " + vgg.blockFilters() + " has " + blocks
                    + " blocks, each halving the image, but a " + data.height() + "x" + data.width()
                    + " image allows at most " + maxBlocks + " blocks");
        }
        for (int filters : vgg.blockFilters()) {
            for (int i = 0; i < vgg.convsPerBlock(); i++) {
                if (vgg.batchNorm()) {
                    // Normalize the pre-activation; BN's beta does the bias's job, so the conv has none.
                    layers.layer(conv(3, filters, ConvolutionMode.Same, Activation.IDENTITY, false))
                            .layer(new BatchNormalization.Builder().build())
                            .layer(new ActivationLayer.Builder().activation(Activation.RELU).build());
                } else {
                    layers.layer(conv(3, filters, ConvolutionMode.Same, Activation.RELU, true));
                }
            }
            layers.layer(maxPool());
        }
        for (int size : vgg.dense()) {
            DenseLayer.Builder dense = new DenseLayer.Builder().nOut(size).activation(Activation.RELU)
                    .weightInit(WeightInit.RELU);
            if (vgg.dropout() > 0) {
                // DL4J's dropOut takes the probability of KEEPING a unit; the config gives the drop probability.
                dense.dropOut(1 - vgg.dropout());
            }
            layers.layer(dense.build());
        }
        layers.setInputType(input);
    }

    /** Embedding, one tanh cell h_t = tanh(W x_t + R h_{t-1} + b), i.e. W [x_t; h_{t-1}], at its last real step. */
    private static void rnn(ListBuilder layers, DptrainConfig.Rnn rnn, DptrainConfig.Data data) {
        Layer cell = new SimpleRnn.Builder().nOut(rnn.hiddenSize()).activation(Activation.TANH)
                .weightInit(WeightInit.XAVIER).build();
        layers.layer(embedding(rnn.embeddingSize(), data, rnn.tbpttLength()))
                .layer(rnn.tbpttLength() > 0 ? cell : new LastTimeStep(cell))
                .setInputType(tokenIds(data));
    }

    /** Embedding, stacked (optionally bidirectional) LSTM layers, then the last real step or masked pooling. */
    private static void lstm(ListBuilder layers, DptrainConfig.Lstm lstm, DptrainConfig.Data data) {
        layers.layer(embedding(lstm.embeddingSize(), data, lstm.tbpttLength()));
        for (int i = 0; i < lstm.layers(); i++) {
            LSTM.Builder builder = new LSTM.Builder().nOut(lstm.hiddenSize()).activation(Activation.TANH)
                    .weightInit(WeightInit.XAVIER);
            if (lstm.dropout() > 0) {
                // On the layer's input (the word vectors, or the layer below): DL4J takes the probability of KEEPING.
                builder.dropOut(1 - lstm.dropout());
            }
            Layer cell = builder.build();
            if (lstm.bidirectional()) {
                // The backward copy reads each row from its last real token: LSTM zeroes its state on masked steps.
                cell = new Bidirectional(Bidirectional.Mode.CONCAT, cell);
            }
            boolean top = i == lstm.layers() - 1;
            boolean lastStep = top && lstm.pooling() == SequencePooling.LAST && lstm.tbpttLength() == 0;
            layers.layer(lastStep ? new LastTimeStep(cell) : cell);
        }
        switch (lstm.pooling()) {
            case LAST -> { }
            case MAX -> layers.layer(sequencePool(PoolingType.MAX));
            case AVG -> layers.layer(sequencePool(PoolingType.AVG));
        }
        layers.setInputType(tokenIds(data));
    }

    /**
     * Token ids to learned vectors: {@code [n, T]} ids to {@code [n, size, T]}. No bias, which would only shift
     * every word alike; the length is fixed so a table prepared with another max-length fails loudly, except
     * under truncated BPTT, which feeds segments of tbptt-length steps (the table's shape is checked anyway).
     */
    private static EmbeddingSequenceLayer embedding(int size, DptrainConfig.Data data, int tbpttLength) {
        return new EmbeddingSequenceLayer.Builder().nOut(size)
                .inputLength(data.maxLength()).inferInputLength(tbpttLength > 0).hasBias(false)
                .activation(Activation.IDENTITY).weightInit(WeightInit.XAVIER).build();
    }

    /**
     * The input type of token-id rows: a sequence of max-length steps, each id standing for a one-hot vector of
     * vocabulary-size. DL4J sets the embedding's nIn (the vocabulary) from this size, overriding any set by hand.
     */
    private static InputType tokenIds(DptrainConfig.Data data) {
        return InputType.recurrent(data.vocabularySize(), data.maxLength());
    }

    /** Max or mean over the time axis of {@code [n, size, T]}, skipping the steps the mask marks as padding. */
    private static GlobalPoolingLayer sequencePool(PoolingType type) {
        return new GlobalPoolingLayer.Builder(type).build();
    }

    private static ConvolutionLayer conv(int kernel, int filters, ConvolutionMode mode, Activation activation,
                                         boolean bias) {
        return new ConvolutionLayer.Builder(kernel, kernel).stride(1, 1).nOut(filters).convolutionMode(mode)
                .activation(activation).weightInit(WeightInit.RELU).hasBias(bias).build();
    }

    private static SubsamplingLayer maxPool() {
        return new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build();
    }

    /**
     * The updater. Its rate is {@code learning-rate}, times the workers (linear) or their square root
     * (sqrt) under gradient averaging's {@code learning-rate-scaling}; with a decay below 1 or a warm-up
     * it follows {@link RateSchedule}: {@code rate * decay^(epoch - 1)}, read from the network's epoch
     * counter, which every engine sets at each epoch (so they all decay alike), ramped over
     * {@code warmup-rounds} rounds, which are {@code local-steps} updater steps each in parameter averaging.
     */
    static IUpdater updater(DptrainConfig config) {
        DptrainConfig.Training train = config.train();
        double rate = train.learningRate() * switch (train.learningRateScaling()) {
            case NONE -> 1;
            case LINEAR -> config.engine().workers();
            case SQRT -> Math.sqrt(config.engine().workers());
        };
        int stepsPerRound = config.engine().mode() == Choices.EngineMode.PARAMETER_AVERAGING
                ? config.engine().localSteps() : 1;
        int warmupSteps = train.warmupRounds() * stepsPerRound;
        if (train.learningRateDecay() == 1 && warmupSteps == 0) {
            return switch (train.updater()) {
                case SGD -> new Sgd(rate);
                case NESTEROV -> new Nesterovs(rate, train.momentum());
                case ADAM -> train.vectorizedAdam() ? new VectorizedAdam(rate) : new Adam(rate);
            };
        }
        ISchedule schedule = new RateSchedule(rate, train.learningRateDecay(), warmupSteps);
        return switch (train.updater()) {
            case SGD -> new Sgd(schedule);
            case NESTEROV -> new Nesterovs(schedule, train.momentum());
            case ADAM -> train.vectorizedAdam() ? new VectorizedAdam(schedule) : new Adam(schedule);
        };
    }

    private static GradientNormalization clipping(Choices.Clipping clipping) {
        return switch (clipping) {
            case NONE -> GradientNormalization.None;
            case CLIP_VALUE -> GradientNormalization.ClipElementWiseAbsoluteValue;
            case CLIP_L2_NORM -> GradientNormalization.ClipL2PerLayer;
        };
    }

    private static LossFunction loss(Choices.Loss loss) {
        return switch (loss) {
            case MCXENT -> LossFunction.MCXENT;
            case NEGATIVE_LOG_LIKELIHOOD -> LossFunction.NEGATIVELOGLIKELIHOOD;
            case MSE -> LossFunction.MSE;
        };
    }

    /** The nd4j data type {@code dptrain.model.data-type} names. */
    public static DataType dataType(DptrainConfig config) {
        return config.model().dataType() == Precision.DOUBLE ? DataType.DOUBLE : DataType.FLOAT;
    }
}
