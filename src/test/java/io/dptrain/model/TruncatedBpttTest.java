package io.dptrain.model;

import io.dptrain.config.ConfigException;
import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import io.dptrain.data.text.TokenSequences;
import io.dptrain.predict.BatchPredictor;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.recurrent.SimpleRnn;
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

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static io.dptrain.NdArrays.maxAbsDifference;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Truncated BPTT for the text presets: network, data layout, reading the last real step, config rules. */
@Tag("unit")
@Timeout(120)
class TruncatedBpttTest {
    private static final int VOCABULARY = 12;
    private static final int CLASSES = 3;
    private static final int MAX_LENGTH = 7;

    private static DptrainConfig tiny(String... more) {
        List<String> all = new ArrayList<>(List.of("data.classes=" + CLASSES, "data.vocabulary-size=" + VOCABULARY,
                "data.max-length=" + MAX_LENGTH, "model.rnn.embedding-size=5", "model.rnn.hidden-size=4",
                "model.lstm.embedding-size=5", "model.lstm.hidden-size=4", "train.seed=11"));
        all.addAll(List.of(more));
        return ConfigLoader.load(null, all);
    }

    /** Four rows of 7, 3, 1 and 5 real tokens, labels 0, 1, 2, 0. */
    private static DataSet wholeSequenceBatch() {
        TokenBatch batch = TokenBatch.of(DataType.FLOAT, MAX_LENGTH, new int[] {2, 5, 7, 3, 11, 4, 9},
                new int[] {6, 6, 2}, new int[] {10}, new int[] {3, 8, 2, 2, 5});
        return new DataSet(batch.features(), TokenBatch.labels(DataType.FLOAT, 4, CLASSES), batch.mask(), null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"rnn", "lstm"})
    void aPositiveLengthGivesAPerStepOutputTrainedByTruncatedBptt(String preset) {
        MultiLayerConfiguration conf = Networks.configuration(
                tiny("model.preset=" + preset, "model." + preset + ".tbptt-length=3"));

        assertThat(conf.getBackpropType()).isEqualTo(BackpropType.TruncatedBPTT);
        assertThat(conf.getTbpttFwdLength()).isEqualTo(3);
        assertThat(conf.getTbpttBackLength()).isEqualTo(3);
        assertThat(conf.getConf(1).getLayer()).isInstanceOfAny(SimpleRnn.class, LSTM.class);
        assertThat(conf.getConf(2).getLayer()).isInstanceOf(RnnOutputLayer.class);
    }

    @Test
    void theLabelSitsAtTheLastRealStepOnly() {
        DataSet perStep = SequenceOutputs.lastStepLabels(wholeSequenceBatch());

        assertThat(perStep.getFeatures().shape()).containsExactly(4, 1, MAX_LENGTH);
        assertThat(perStep.getLabels().shape()).containsExactly(4, CLASSES, MAX_LENGTH);
        int[] last = {6, 2, 0, 4};
        for (int i = 0; i < 4; i++) {
            for (int t = 0; t < MAX_LENGTH; t++) {
                assertThat(perStep.getLabelsMaskArray().getDouble(i, t)).isEqualTo(t == last[i] ? 1.0 : 0.0);
                for (int c = 0; c < CLASSES; c++) {
                    double expected = t == last[i] && c == i % CLASSES ? 1.0 : 0.0;
                    assertThat(perStep.getLabels().getDouble(i, c, t)).isEqualTo(expected);
                }
            }
        }
    }

    /**
     * With one segment (L >= T) truncated BPTT is full BPTT, and a loss at the last real step only is the
     * whole-sequence preset's loss: both train to the same parameters as the tbptt-length = 0 network.
     */
    @ParameterizedTest
    @ValueSource(strings = {"rnn", "lstm"})
    void oneSegmentTrainsLikeTheFullBpttPreset(String preset) {
        MultiLayerNetwork full = Networks.create(tiny("model.preset=" + preset));
        MultiLayerNetwork truncated = Networks.create(
                tiny("model.preset=" + preset, "model." + preset + ".tbptt-length=" + MAX_LENGTH));
        assertThat(truncated.params()).isEqualTo(full.params());
        DataSet batch = wholeSequenceBatch();
        DataSet perStep = SequenceOutputs.lastStepLabels(batch);
        INDArray before = full.params().dup();

        for (int step = 0; step < 5; step++) {
            full.fit(batch);
            truncated.fit(perStep);
        }

        assertThat(full.params()).isNotEqualTo(before);
        assertThat(maxAbsDifference(truncated.params(), full.params())).isLessThan(1e-5);
    }

    /**
     * With L < T it learns a task whose answer is in the last segment (the class is the last word), reaching
     * every example through {@link Evaluator}, and ends elsewhere than full BPTT since gradients are cut.
     */
    @Test
    void shortSegmentsTrainAndDifferFromFullBptt() {
        String[] settings = {"model.preset=rnn", "data.classes=2", "model.rnn.hidden-size=8",
            "train.learning-rate=0.05"};
        DptrainConfig config = tiny(append(settings, "model.rnn.tbptt-length=2"));
        Random random = new Random(3);
        int rows = 32;
        int[][] tokens = new int[rows][];
        int[] labels = new int[rows];
        for (int i = 0; i < rows; i++) {
            labels[i] = i % 2;
            tokens[i] = random.ints(1 + random.nextInt(MAX_LENGTH), 4, VOCABULARY).toArray();
            tokens[i][tokens[i].length - 1] = 2 + labels[i];
        }
        TokenSequences examples = new TokenSequences(tokens, labels, 2, MAX_LENGTH);
        DataSet batch = SequenceOutputs.forTraining(examples.minibatches(rows, DataType.FLOAT), config).get(0);
        MultiLayerNetwork truncated = Networks.create(config);
        MultiLayerConfiguration fullConf = Networks.configuration(config);
        fullConf.setBackpropType(BackpropType.Standard);
        MultiLayerNetwork full = new MultiLayerNetwork(fullConf);
        full.init();
        double lossBefore = truncated.score(batch);

        for (int step = 0; step < 100; step++) {
            truncated.fit(batch);
            full.fit(batch);
        }

        assertThat(truncated.score(batch)).isLessThan(lossBefore / 4);
        // The prediction path reads a per-step output at each example's last real step.
        double[][] probabilities = BatchPredictor.probabilities(truncated, examples.minibatches(rows, DataType.FLOAT).get(0));
        for (int i = 0; i < rows; i++) {
            assertThat(probabilities[i][labels[i]]).as("example %d", i).isGreaterThan(0.5);
        }
        assertThat(maxAbsDifference(truncated.params(), full.params())).isGreaterThan(1e-3);
    }

    @Test
    void theAnswerIsReadAtEachExamplesLastRealStep() {
        // Row 0 has 2 real steps, row 1 all 3; every other step points at another class.
        // output[i, c, t]; row 0 says class 0, 1, 2 at steps 0, 1, 2; row 1 says class 1, 2, 0.
        INDArray output = Nd4j.create(new float[] {
            0.8f, 0.1f, 0.1f, 0.1f, 0.8f, 0.1f, 0.1f, 0.1f, 0.8f,
            0.1f, 0.1f, 0.8f, 0.8f, 0.1f, 0.1f, 0.1f, 0.8f, 0.1f}, new long[] {2, 3, 3}, 'c');
        INDArray mask = Nd4j.create(new float[] {1, 1, 0, 1, 1, 1}, new long[] {2, 3}, 'c');

        INDArray rows = SequenceOutputs.atLastStep(output, mask);

        assertThat(rows.shape()).containsExactly(2, 3);
        assertThat(rows.argMax(1).toIntVector()).containsExactly(1, 0);
        assertThat(SequenceOutputs.atLastStep(output, null).argMax(1).toIntVector()).containsExactly(2, 0);
        INDArray flat = Nd4j.rand(DataType.FLOAT, 2, 3);
        assertThat(SequenceOutputs.atLastStep(flat, mask)).isSameAs(flat);
    }

    @Test
    void configurationsTruncatedBpttCannotServeAreRefusedByName() {
        assertThatThrownBy(() -> tiny("model.preset=lstm", "model.lstm.tbptt-length=3", "model.lstm.bidirectional=true"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("dptrain.model.lstm.tbptt-length = 3 is not allowed with "
                        + "dptrain.model.lstm.bidirectional = true and dptrain.model.lstm.pooling = last; allowed: 0, "
                        + "or L > 0 with bidirectional = false and pooling = last");
        assertThatThrownBy(() -> tiny("model.preset=lstm", "model.lstm.tbptt-length=3", "model.lstm.pooling=avg"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("dptrain.model.lstm.pooling = avg");
        for (String mode : List.of("gradient-averaging", "dl4j-spark")) {
            assertThatThrownBy(() -> tiny("model.preset=rnn", "model.rnn.tbptt-length=3", "engine.mode=" + mode))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("dptrain.engine.mode = " + mode + " is not allowed with "
                            + "dptrain.model.rnn.tbptt-length = 3; allowed: parameter-averaging or single-process");
        }
        assertThatThrownBy(() -> tiny("model.rnn.tbptt-length=-1"))
                .hasMessage("dptrain.model.rnn.tbptt-length must be >= 0, got -1");
        assertThat(tiny("model.preset=mlp", "model.rnn.tbptt-length=3", "engine.mode=gradient-averaging")
                .model().tbpttLength()).isZero();
    }

    private static String[] append(String[] a, String b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + 1);
        all[a.length] = b;
        return all;
    }
}
