package io.dptrain.predict;

import io.dptrain.data.text.Vocabulary;
import io.dptrain.model.SequenceOutputs;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Executor side of {@link TextPredictor#predict}: restores the broadcast model once per partition
 * and runs the partition's rows through it in batches of {@value TextPredictor#BATCH_SIZE}.
 *
 * <p>Each input row holds the input columns followed by the text's tokens (an array of strings,
 * the last column). Tokens become ids ({@link Vocabulary#id}, unknown ones {@value
 * Vocabulary#UNK_ID}), the first {@code maxLength} are kept, a text without tokens becomes the
 * single id {@value Vocabulary#UNK_ID}; rows are padded with {@value Vocabulary#PAD_ID} at the end
 * and masked, as in training. Each output row holds the input columns (without the tokens), the
 * predicted class name, its index (the first of equal maxima) and one probability per class.
 */
final class PartitionPredictor implements MapPartitionsFunction<Row, Row> {

    private static final long serialVersionUID = 1L;

    /**
     * What every partition needs, shipped once per executor as a broadcast.
     *
     * @param model      the network as {@link ModelSerializer} bytes (without updater state)
     * @param vocabulary the vocabulary the model was trained with
     * @param maxLength  tokens per sequence, the embedding's input length
     * @param classNames class names in class-index order
     */
    record Payload(byte[] model, Vocabulary vocabulary, int maxLength, List<String> classNames)
            implements Serializable {

        /** Copies the class names. */
        Payload {
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(vocabulary, "vocabulary");
            classNames = List.copyOf(classNames);
        }

        /** A fresh network from the bytes; networks are not thread-safe, so one per partition. */
        MultiLayerNetwork restore() {
            try {
                return ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(model), false);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot restore the broadcast model", e);
            }
        }
    }

    private final Broadcast<Payload> payload;
    private final int tokensIndex;

    /**
     * @param payload     the broadcast model, vocabulary and shape
     * @param tokensIndex index of the tokens column, the last of each input row
     */
    PartitionPredictor(Broadcast<Payload> payload, int tokensIndex) {
        this.payload = Objects.requireNonNull(payload, "payload");
        this.tokensIndex = tokensIndex;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        if (!rows.hasNext()) {
            return Collections.emptyIterator();
        }
        Payload p = payload.value();
        return new Batches(rows, p.restore(), p, tokensIndex);
    }

    /** Pulls one batch of input rows at a time, so a partition is never held in memory whole. */
    private static final class Batches implements Iterator<Row> {
        private final Iterator<Row> input;
        private final MultiLayerNetwork net;
        private final Vocabulary vocabulary;
        private final List<String> classNames;
        private final int maxLength;
        private final int tokensIndex;
        private final DataType dataType;
        private final ArrayDeque<Row> ready = new ArrayDeque<>(TextPredictor.BATCH_SIZE);

        Batches(Iterator<Row> input, MultiLayerNetwork net, Payload payload, int tokensIndex) {
            this.input = input;
            this.net = net;
            this.vocabulary = payload.vocabulary();
            this.classNames = payload.classNames();
            this.maxLength = payload.maxLength();
            this.tokensIndex = tokensIndex;
            this.dataType = net.params().dataType();
        }

        @Override
        public boolean hasNext() {
            if (ready.isEmpty() && input.hasNext()) {
                List<Row> batch = new ArrayList<>(TextPredictor.BATCH_SIZE);
                while (batch.size() < TextPredictor.BATCH_SIZE && input.hasNext()) {
                    batch.add(input.next());
                }
                predict(batch);
            }
            return !ready.isEmpty();
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return ready.poll();
        }

        private void predict(List<Row> batch) {
            int n = batch.size();
            float[] ids = new float[n * maxLength];
            float[] mask = new float[n * maxLength];
            for (int i = 0; i < n; i++) {
                List<String> tokens = batch.get(i).getList(tokensIndex);
                int length = Math.min(tokens.size(), maxLength);
                if (length == 0) {
                    ids[i * maxLength] = Vocabulary.UNK_ID;
                    mask[i * maxLength] = 1f;
                }
                for (int t = 0; t < length; t++) {
                    ids[i * maxLength + t] = vocabulary.id(tokens.get(t));
                    mask[i * maxLength + t] = 1f;
                }
            }
            double[][] probabilities;
            try (INDArray features = array(ids, n); INDArray featuresMask = array(mask, n);
                 INDArray out = net.output(features, false, featuresMask, null)) {
                // A truncated-BPTT network answers at every step; its answer is the one at the last real step.
                probabilities = SequenceOutputs.atLastStep(out, featuresMask).toDoubleMatrix();
            }
            for (int i = 0; i < n; i++) {
                ready.add(row(batch.get(i), probabilities[i]));
            }
        }

        private INDArray array(float[] values, int rows) {
            INDArray a = Nd4j.create(values, new long[] {rows, maxLength}, 'c');
            if (dataType == DataType.FLOAT) {
                return a;
            }
            try (a) {
                return a.castTo(dataType);
            }
        }

        private Row row(Row in, double[] probabilities) {
            int best = 0;
            for (int c = 1; c < probabilities.length; c++) {
                if (probabilities[c] > probabilities[best]) {
                    best = c;
                }
            }
            Object[] values = new Object[tokensIndex + 2 + probabilities.length];
            for (int f = 0; f < tokensIndex; f++) {
                values[f] = in.get(f);
            }
            values[tokensIndex] = classNames.get(best);
            values[tokensIndex + 1] = best;
            for (int c = 0; c < probabilities.length; c++) {
                values[tokensIndex + 2 + c] = probabilities[c];
            }
            return RowFactory.create(values);
        }
    }
}
