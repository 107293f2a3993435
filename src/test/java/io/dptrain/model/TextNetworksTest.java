package io.dptrain.model;

import io.dptrain.config.ConfigException;
import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.conf.layers.recurrent.SimpleRnn;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInitXavier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The rnn and lstm presets: layer stacks, shapes, masks, and what the configuration accepts. */
@Tag("unit")
@Timeout(60)
class TextNetworksTest {
    private static final int VOCABULARY = 12;
    private static final int CLASSES = 3;
    private static final int MAX_LENGTH = 7;

    /** Every text variant, as config overrides on top of the tiny sizes. */
    private static final String RNN = "model.preset=rnn";
    private static final String LSTM_LAST = "model.preset=lstm";
    private static final String LSTM_BI_AVG = "model.preset=lstm,model.lstm.bidirectional=true,model.lstm.pooling=avg";
    private static final String LSTM_STACKED_MAX = "model.preset=lstm,model.lstm.layers=2,model.lstm.pooling=max";
    private static final String LSTM_STACKED_BI_LAST = "model.preset=lstm,model.lstm.layers=2,"
            + "model.lstm.bidirectional=true,model.lstm.pooling=last";

    /** Tiny sizes: vocabulary 12, embedding 5, hidden 4, 3 classes, sequences of 7 tokens. */
    private static DptrainConfig tiny(String variant, String... more) {
        List<String> all = new ArrayList<>(List.of("data.classes=" + CLASSES, "data.vocabulary-size=" + VOCABULARY,
                "data.max-length=" + MAX_LENGTH, "model.rnn.embedding-size=5", "model.rnn.hidden-size=4",
                "model.lstm.embedding-size=5", "model.lstm.hidden-size=4", "train.seed=11"));
        all.addAll(List.of(variant.split(",")));
        all.addAll(List.of(more));
        return ConfigLoader.load(null, all);
    }

    private static TokenBatch variableLengths(int maxLength) {
        return variableLengths(DataType.FLOAT, maxLength);
    }

    /** Four rows of 7, 3, 1 and 5 real tokens. */
    private static TokenBatch variableLengths(DataType type, int maxLength) {
        return TokenBatch.of(type, maxLength, new int[] {2, 5, 7, 3, 11, 4, 9}, new int[] {6, 6, 2},
                new int[] {10}, new int[] {3, 8, 2, 2, 5});
    }

    private static INDArray output(MultiLayerNetwork net, TokenBatch batch) {
        return net.output(batch.features(), false, batch.mask(), null);
    }

    @ParameterizedTest
    @ValueSource(strings = {RNN, LSTM_LAST, LSTM_BI_AVG, LSTM_STACKED_MAX, LSTM_STACKED_BI_LAST})
    void everyVariantMapsPaddedTokenRowsToClassProbabilities(String variant) {
        MultiLayerNetwork net = Networks.create(tiny(variant));

        INDArray out = output(net, variableLengths(MAX_LENGTH));

        assertThat(out.shape()).containsExactly(4, CLASSES);
        for (double rowSum : out.sum(1).toDoubleVector()) {
            assertThat(rowSum).isCloseTo(1.0, within(1e-5));
        }
    }

    @Test
    void rnnIsEmbeddingThenTanhCellAtItsLastStepThenSoftmax() {
        MultiLayerNetwork net = Networks.create(tiny(RNN));
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();

        assertThat(layerTypes(conf)).containsExactly(EmbeddingSequenceLayer.class, LastTimeStep.class,
                OutputLayer.class);
        Layer cell = ((LastTimeStep) conf.getConf(1).getLayer()).getUnderlying();
        assertThat(cell).isInstanceOfSatisfying(SimpleRnn.class, rnn -> {
            assertThat(rnn.getActivationFn()).isInstanceOf(ActivationTanH.class);
            assertThat(rnn.getWeightInitFn()).isInstanceOf(WeightInitXavier.class);
        });
        long embedding = VOCABULARY * 5;
        long cellParams = 5 * 4 + 4 * 4 + 4;
        long softmax = 4 * CLASSES + CLASSES;
        assertThat(net.numParams()).isEqualTo(embedding + cellParams + softmax);
    }

    @Test
    void lstmStacksLayersAndWrapsOnlyTheTopOneForTheLastStep() {
        MultiLayerConfiguration last = Networks.configuration(tiny(LSTM_STACKED_BI_LAST));
        MultiLayerConfiguration pooled = Networks.configuration(tiny(LSTM_STACKED_MAX));

        assertThat(layerTypes(last)).containsExactly(EmbeddingSequenceLayer.class, Bidirectional.class,
                LastTimeStep.class, OutputLayer.class);
        Bidirectional top = (Bidirectional) ((LastTimeStep) last.getConf(2).getLayer()).getUnderlying();
        assertThat(top.getMode()).isEqualTo(Bidirectional.Mode.CONCAT);
        assertThat(top.getFwd()).isInstanceOf(LSTM.class);
        // The top layer reads both directions of the one below: 2 x hidden inputs.
        assertThat(((LSTM) top.getFwd()).getNIn()).isEqualTo(8);
        assertThat(layerTypes(pooled)).containsExactly(EmbeddingSequenceLayer.class, LSTM.class, LSTM.class,
                GlobalPoolingLayer.class, OutputLayer.class);
        assertThat(((GlobalPoolingLayer) pooled.getConf(3).getLayer()).getPoolingType()).isEqualTo(PoolingType.MAX);
        assertThat(((GlobalPoolingLayer) Networks.configuration(tiny(LSTM_BI_AVG)).getConf(2).getLayer())
                .getPoolingType()).isEqualTo(PoolingType.AVG);
    }

    @Test
    void embeddingTakesTheVocabularyAndTheFixedLength() {
        MultiLayerConfiguration conf = Networks.configuration(tiny(LSTM_LAST));

        EmbeddingSequenceLayer embedding = (EmbeddingSequenceLayer) conf.getConf(0).getLayer();
        assertThat(embedding.getNIn()).isEqualTo(VOCABULARY);
        assertThat(embedding.getNOut()).isEqualTo(5);
        assertThat(embedding.getInputLength()).isEqualTo(MAX_LENGTH);
        assertThat(embedding.isInferInputLength()).isFalse();
        assertThat(embedding.hasBias()).isFalse();
        assertThat(embedding.getWeightInitFn()).isInstanceOf(WeightInitXavier.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {RNN, LSTM_LAST, LSTM_BI_AVG, LSTM_STACKED_MAX, LSTM_STACKED_BI_LAST})
    void theSameTextPaddedToTwoLengthsGetsTheSameOutput(String variant) {
        MultiLayerNetwork shortNet = Networks.create(tiny(variant), DataType.DOUBLE);
        MultiLayerNetwork longNet = Networks.create(tiny(variant, "data.max-length=12"), DataType.DOUBLE);
        assertThat(longNet.params()).isEqualTo(shortNet.params());

        INDArray shortOut = output(shortNet, variableLengths(DataType.DOUBLE, MAX_LENGTH));
        INDArray longOut = output(longNet, variableLengths(DataType.DOUBLE, 12));

        assertThat(longOut.equalsWithEps(shortOut, 1e-12)).as("%s vs %s", longOut, shortOut).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {RNN, LSTM_LAST, LSTM_BI_AVG, LSTM_STACKED_MAX, LSTM_STACKED_BI_LAST})
    void tokensUnderTheMaskChangeNothingButWithoutTheMaskTheyWould(String variant) {
        MultiLayerNetwork net = Networks.create(tiny(variant), DataType.DOUBLE);
        TokenBatch clean = variableLengths(DataType.DOUBLE, MAX_LENGTH);
        INDArray garbage = clean.features().dup();
        // Row 2 has one real token; fill its padded steps with words.
        for (int t = 1; t < MAX_LENGTH; t++) {
            garbage.putScalar(2, t, 2 + t);
        }

        INDArray expected = net.output(clean.features(), false, clean.mask(), null);
        INDArray masked = net.output(garbage, false, clean.mask(), null);
        INDArray unmasked = net.output(garbage, false, null, null);

        assertThat(masked.equalsWithEps(expected, 1e-12)).as("%s vs %s", masked, expected).isTrue();
        assertThat(unmasked.getRow(2).equalsWithEps(expected.getRow(2), 1e-6)).isFalse();
    }

    /** The gradient averaging engine's path: setInput, setLayerMaskArrays, computeGradientAndScore. */
    @ParameterizedTest
    @ValueSource(strings = {RNN, LSTM_LAST, LSTM_BI_AVG, LSTM_STACKED_MAX, LSTM_STACKED_BI_LAST})
    void tokensUnderTheMaskGetNoGradient(String variant) {
        MultiLayerNetwork net = Networks.create(tiny(variant), DataType.DOUBLE);
        TokenBatch clean = variableLengths(DataType.DOUBLE, MAX_LENGTH);
        INDArray garbage = clean.features().dup();
        for (int t = 3; t < MAX_LENGTH; t++) {
            garbage.putScalar(1, t, 2 + t);
        }
        INDArray labels = TokenBatch.labels(DataType.DOUBLE, clean.rows(), CLASSES);

        INDArray expected = gradient(net, clean.features(), clean.mask(), labels);
        INDArray withGarbage = gradient(net, garbage, clean.mask(), labels);

        assertThat(withGarbage.equalsWithEps(expected, 1e-12)).isTrue();
        assertThat(expected.amaxNumber().doubleValue()).isPositive();
        assertThat(gradient(net, garbage, null, labels).equalsWithEps(expected, 1e-6)).isFalse();
    }

    private static INDArray gradient(MultiLayerNetwork net, INDArray features, INDArray mask, INDArray labels) {
        net.setInput(features);
        net.setLabels(labels);
        net.setLayerMaskArrays(mask, null);
        net.computeGradientAndScore();
        INDArray gradient = net.getFlattenedGradients().dup();
        net.clearLayerMaskArrays();
        return gradient;
    }

    @Test
    void rowsMayAlsoComeAsOneChannelSequences() {
        MultiLayerNetwork net = Networks.create(tiny(LSTM_BI_AVG));
        TokenBatch batch = variableLengths(MAX_LENGTH);
        INDArray channel = batch.features().reshape(batch.rows(), 1, MAX_LENGTH);

        INDArray flat = output(net, batch);
        INDArray threeD = net.output(channel, false, batch.mask(), null);

        assertThat(threeD.equalsWithEps(flat, 1e-6)).isTrue();
    }

    @Test
    void aRowOfAnotherLengthIsRejected() {
        MultiLayerNetwork net = Networks.create(tiny(LSTM_LAST));
        TokenBatch wrong = variableLengths(MAX_LENGTH + 1);

        assertThatThrownBy(() -> output(net, wrong)).isInstanceOf(DL4JInvalidInputException.class)
                .hasMessageContaining("input length: " + MAX_LENGTH);
    }

    @Test
    void tokenIdsOutsideTheVocabularyAreRejected() {
        MultiLayerNetwork net = Networks.create(tiny(RNN));
        TokenBatch unknownId = TokenBatch.of(DataType.FLOAT, MAX_LENGTH, new int[] {2, VOCABULARY});

        assertThatThrownBy(() -> output(net, unknownId)).isInstanceOf(DL4JInvalidInputException.class)
                .hasMessageContaining("got index " + VOCABULARY);
    }

    @Test
    void trainingSettingsReachTheWrappedRecurrentLayers() {
        MultiLayerConfiguration conf = Networks.configuration(tiny(LSTM_STACKED_BI_LAST, "train.updater=adam",
                "train.learning-rate=0.002", "train.gradient-clipping=clip-l2-norm",
                "train.gradient-clipping-threshold=1.5"));

        Bidirectional bottom = (Bidirectional) conf.getConf(1).getLayer();
        Bidirectional top = (Bidirectional) ((LastTimeStep) conf.getConf(2).getLayer()).getUnderlying();
        List<Layer> layers = List.of(conf.getConf(0).getLayer(), bottom.getFwd(), bottom.getBwd(), top.getFwd(),
                top.getBwd(), conf.getConf(3).getLayer());
        for (Layer layer : layers) {
            BaseLayer base = (BaseLayer) layer;
            assertThat(base.getIUpdater()).as(layer.toString()).isInstanceOfSatisfying(Adam.class,
                    a -> assertThat(a.getLearningRate()).isEqualTo(0.002));
            assertThat(base.getGradientNormalization()).isEqualTo(GradientNormalization.ClipL2PerLayer);
            assertThat(base.getGradientNormalizationThreshold()).isEqualTo(1.5);
        }
        assertThat(conf.getBackpropType()).isEqualTo(BackpropType.Standard);
    }

    @Test
    void lstmDropoutIsARetainProbabilityOnTheInputOfEveryLstmLayer() {
        MultiLayerConfiguration conf = Networks.configuration(tiny(LSTM_STACKED_BI_LAST, "model.lstm.dropout=0.3"));

        Bidirectional bottom = (Bidirectional) conf.getConf(1).getLayer();
        Bidirectional top = (Bidirectional) ((LastTimeStep) conf.getConf(2).getLayer()).getUnderlying();
        for (Layer layer : List.of(bottom.getFwd(), bottom.getBwd(), top.getFwd(), top.getBwd())) {
            assertThat(layer.getIDropout()).as(layer.toString()).isInstanceOfSatisfying(Dropout.class,
                    d -> assertThat(d.getP()).isCloseTo(0.7, within(1e-12)));
        }
        assertThat(conf.getConf(0).getLayer().getIDropout()).isNull();
        assertThat(conf.getConf(3).getLayer().getIDropout()).isNull();
        assertThat(((LastTimeStep) Networks.configuration(tiny(LSTM_LAST)).getConf(1).getLayer()).getUnderlying()
                .getIDropout()).isNull();
        assertThatThrownBy(() -> tiny(LSTM_LAST, "model.lstm.dropout=1"))
                .hasMessage("dptrain.model.lstm.dropout must be in [0, 1), got 1.0");
    }

    /** Why tbptt-length > 0 needs per-step labels: DL4J's truncated BPTT skips whole-sequence labels. */
    @Test
    void dl4jTruncatedBpttSkipsWholeSequenceLabels() {
        MultiLayerConfiguration conf = Networks.configuration(tiny(LSTM_LAST));
        conf.setBackpropType(BackpropType.TruncatedBPTT);
        conf.setTbpttFwdLength(3);
        conf.setTbpttBackLength(3);
        MultiLayerNetwork truncated = new MultiLayerNetwork(conf);
        truncated.init();
        MultiLayerNetwork full = Networks.create(tiny(LSTM_LAST));
        TokenBatch batch = variableLengths(MAX_LENGTH);
        INDArray labels = TokenBatch.labels(DataType.FLOAT, batch.rows(), CLASSES);
        INDArray before = full.params().dup();

        truncated.fit(new DataSet(batch.features(), labels, batch.mask(), null));
        full.fit(new DataSet(batch.features(), labels, batch.mask(), null));

        assertThat(truncated.params()).isEqualTo(before);
        assertThat(full.params()).isNotEqualTo(before);
    }

    @Test
    void anLstmLearnsWhichWordOpenedAVariableLengthSequence() {
        DptrainConfig config = tiny(LSTM_LAST, "data.classes=2", "model.lstm.embedding-size=8",
                "model.lstm.hidden-size=16", "train.learning-rate=0.02", "train.gradient-clipping=clip-l2-norm");
        MultiLayerNetwork net = Networks.create(config);
        Random random = new Random(5);
        int rows = 64;
        int[][] tokens = new int[rows][];
        INDArray labels = Nd4j.zeros(DataType.FLOAT, rows, 2);
        for (int i = 0; i < rows; i++) {
            int cls = i % 2;
            tokens[i] = random.ints(1 + random.nextInt(MAX_LENGTH), 4, VOCABULARY).toArray();
            tokens[i][0] = 2 + cls;
            labels.putScalar(i, cls, 1.0);
        }
        TokenBatch batch = TokenBatch.of(DataType.FLOAT, MAX_LENGTH, tokens);
        DataSet data = new DataSet(batch.features(), labels, batch.mask(), null);

        for (int step = 0; step < 150; step++) {
            net.fit(data);
        }

        INDArray predicted = net.output(data.getFeatures(), false, data.getFeaturesMaskArray(), null).argMax(1);
        INDArray actual = labels.argMax(1);
        assertThat(predicted.eq(actual).castTo(DataType.INT).sumNumber().intValue()).isEqualTo(rows);
    }

    @Test
    void sizesBelowOneAreRejectedByName() {
        assertThat(Stream.of("model.rnn.embedding-size", "model.rnn.hidden-size", "model.lstm.embedding-size",
                "model.lstm.hidden-size", "model.lstm.layers", "data.max-length"))
                .allSatisfy(key -> assertThatThrownBy(() -> ConfigLoader.load(null, List.of(key + "=0")))
                        .isInstanceOf(ConfigException.class)
                        .hasMessage("dptrain." + key + " must be >= 1, got 0"));
        assertThatThrownBy(() -> ConfigLoader.load(null, List.of("data.vocabulary-size=2")))
                .hasMessage("dptrain.data.vocabulary-size must be >= 3, got 2");
        assertThatThrownBy(() -> ConfigLoader.load(null, List.of("model.lstm.pooling=sum")))
                .hasMessage("dptrain.model.lstm.pooling = 'sum' is not allowed; allowed: last, max, avg");
    }

    @Test
    void shippedTextConfigsLoadAndBuild() {
        DptrainConfig lstm = ConfigLoader.load(Path.of("conf", "spamassassin-lstm.conf"), List.of());
        DptrainConfig rnn = ConfigLoader.load(Path.of("conf", "spamassassin-rnn.conf"), List.of());

        assertThat(lstm.model().preset().configName()).isEqualTo("lstm");
        assertThat(rnn.model().preset().configName()).isEqualTo("rnn");
        for (DptrainConfig config : List.of(lstm, rnn)) {
            assertThat(config.data().train()).isEqualTo("data/prepared/spam-assassin-train.parquet");
            assertThat(config.data().test()).isEqualTo("data/prepared/spam-assassin-test.parquet");
            assertThat(config.data().classes()).isEqualTo(2);
            assertThat(Networks.configuration(config).getConfs()).isNotEmpty();
        }
    }

    private static List<Class<? extends Layer>> layerTypes(MultiLayerConfiguration conf) {
        List<Class<? extends Layer>> types = new ArrayList<>();
        conf.getConfs().forEach(c -> types.add(c.getLayer().getClass()));
        return types;
    }
}
