package io.dptrain.data.text;

import io.dptrain.data.ExampleSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Labelled token sequences held in memory, for many-to-one classification with an
 * {@code EmbeddingSequenceLayer} network.
 *
 * <p>Minibatches ({@link #minibatches}) hold, for {@code n} examples:
 * <ul>
 *   <li>features {@code [n, maxLength]}: the token ids as floating-point numbers, each row
 *       padded at the END with the padding id {@value Vocabulary#PAD_ID};</li>
 *   <li>a features mask {@code [n, maxLength]}: 1 for a real token, 0 for padding, so
 *       padding never counts (the network ends with a last-time-step or masked pooling layer,
 *       which reads the mask);</li>
 *   <li>labels {@code [n, classes]} one-hot (2-D, one label per sequence), no labels mask.</li>
 * </ul>
 * Padding at the end keeps every sequence's first token at step 0, and a last-time-step layer
 * uses the mask to find each row's true last step.
 *
 * <p>The arrays are not copied, to keep large sets cheap to pass around; callers must not
 * modify them afterwards.
 *
 * @param tokens    one row of 1..maxLength token ids per example, each id {@code >= 1}
 *                  (0 is padding)
 * @param labels    one class index per example, each in {@code 0..classes-1}
 * @param classes   number of classes, at least 2
 * @param maxLength the padded length of every row, at least 1
 */
public record TokenSequences(int[][] tokens, int[] labels, int classes, int maxLength)
        implements ExampleSet {

    private static final long serialVersionUID = 1L;

    /**
     * Validates every row; the message names the example, the value and what is allowed.
     *
     * @param tokens    token-id rows, not copied
     * @param labels    class indices, not copied
     * @param classes   number of classes
     * @param maxLength padded length
     */
    public TokenSequences {
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(labels, "labels");
        if (classes < 2) {
            throw new IllegalArgumentException("classes must be >= 2, got " + classes);
        }
        if (maxLength < 1) {
            throw new IllegalArgumentException("maxLength must be >= 1, got " + maxLength);
        }
        if (tokens.length != labels.length) {
            throw new IllegalArgumentException("tokens and labels must have the same length, got "
                    + tokens.length + " and " + labels.length);
        }
        for (int i = 0; i < tokens.length; i++) {
            int[] row = tokens[i];
            if (row == null || row.length < 1 || row.length > maxLength) {
                throw new IllegalArgumentException("example " + i + " must have 1.." + maxLength
                        + " tokens, got " + (row == null ? "null" : row.length));
            }
            for (int id : row) {
                if (id < 1) {
                    throw new IllegalArgumentException("example " + i + " holds token id " + id
                            + "; ids must be >= 1 (" + Vocabulary.PAD_ID + " is padding)");
                }
            }
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("label of example " + i + " must be in 0.."
                        + (classes - 1) + ", got " + labels[i]);
            }
        }
    }

    /**
     * Collects a prepared table ({@link TextTable#prepare}) to the driver, in the order Spark
     * returns its rows.
     *
     * @param prepared a prepared table small enough for the driver's memory
     * @return the sequences, with the table's classes and maxLength
     * @throws IllegalArgumentException if the table is not a prepared table or a row is invalid
     */
    public static TokenSequences collect(Dataset<Row> prepared) {
        SequenceShape shape = TextTable.shapeOf(prepared);
        List<Row> rows = prepared.select(TextTable.LABEL, TextTable.TOKENS).collectAsList();
        int[][] tokens = new int[rows.size()][];
        int[] labels = new int[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            if (row.isNullAt(0) || row.isNullAt(1)) {
                throw new IllegalArgumentException("row " + i + " has a null " + TextTable.LABEL
                        + " or " + TextTable.TOKENS);
            }
            labels[i] = row.getInt(0);
            List<Integer> ids = row.getList(1);
            tokens[i] = new int[ids.size()];
            for (int t = 0; t < tokens[i].length; t++) {
                tokens[i][t] = ids.get(t);
            }
        }
        return new TokenSequences(tokens, labels, shape.classes(), shape.maxLength());
    }

    @Override
    public int count() {
        return labels.length;
    }

    /**
     * Returns a copy of examples {@code from} (inclusive) to {@code to} (exclusive).
     *
     * @param from first example, {@code 0 <= from <= to}
     * @param to   one past the last example, {@code to <= count()}
     * @return a new instance holding those examples
     */
    public TokenSequences slice(int from, int to) {
        Objects.checkFromToIndex(from, to, labels.length);
        return new TokenSequences(Arrays.copyOfRange(tokens, from, to),
                Arrays.copyOfRange(labels, from, to), classes, maxLength);
    }

    @Override
    public List<DataSet> minibatches(int batchSize, DataType dataType) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        Objects.requireNonNull(dataType, "dataType");
        List<DataSet> batches = new ArrayList<>((count() + batchSize - 1) / batchSize);
        for (int from = 0; from < count(); from += batchSize) {
            batches.add(batch(from, Math.min(count(), from + batchSize), dataType));
        }
        return batches;
    }

    private DataSet batch(int from, int to, DataType dataType) {
        int n = to - from;
        float[] features = new float[n * maxLength];
        float[] mask = new float[n * maxLength];
        float[] oneHot = new float[n * classes];
        for (int row = 0; row < n; row++) {
            int[] ids = tokens[from + row];
            for (int t = 0; t < ids.length; t++) {
                features[row * maxLength + t] = ids[t];
                mask[row * maxLength + t] = 1f;
            }
            oneHot[row * classes + labels[from + row]] = 1f;
        }
        INDArray f = Nd4j.create(features, new long[] {n, maxLength}, 'c');
        INDArray m = Nd4j.create(mask, new long[] {n, maxLength}, 'c');
        INDArray l = Nd4j.create(oneHot, new long[] {n, classes}, 'c');
        if (dataType != DataType.FLOAT) {
            f = f.castTo(dataType);
            m = m.castTo(dataType);
            l = l.castTo(dataType);
        }
        return new DataSet(f, l, m, null);
    }

    /** Compares contents (records compare arrays by identity otherwise). */
    @Override
    public boolean equals(Object o) {
        return o instanceof TokenSequences other && classes == other.classes
                && maxLength == other.maxLength && Arrays.equals(labels, other.labels)
                && Arrays.deepEquals(tokens, other.tokens);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * classes + maxLength) + Arrays.hashCode(labels))
                + Arrays.deepHashCode(tokens);
    }

    @Override
    public String toString() {
        return "TokenSequences[count=" + count() + ", classes=" + classes + ", maxLength="
                + maxLength + "]";
    }
}
