package io.dptrain.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

/**
 * A minibatch in the form the text presets take: token ids {@code [n, maxLength]} padded with id 0 at
 * the end of each row, and the features mask {@code [n, maxLength]} (1 real token, 0 padding).
 */
record TokenBatch(INDArray features, INDArray mask) {
    /** The padding id; id 1 is the unknown word, so real words start at 2. */
    static final int PAD = 0;
    static final int FIRST_WORD = 2;

    /** Each row's real tokens, padded to {@code maxLength}. */
    static TokenBatch of(DataType type, int maxLength, int[]... rows) {
        INDArray features = Nd4j.zeros(type, rows.length, maxLength);
        INDArray mask = Nd4j.zeros(type, rows.length, maxLength);
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length > maxLength) {
                throw new IllegalArgumentException("row " + i + " has " + rows[i].length + " tokens, more than "
                        + maxLength);
            }
            for (int t = 0; t < rows[i].length; t++) {
                features.putScalar(i, t, rows[i][t]);
                mask.putScalar(i, t, 1.0);
            }
        }
        return new TokenBatch(features, mask);
    }

    /** Rows of the given lengths with words drawn uniformly from 2..vocabulary-1. */
    static TokenBatch random(DataType type, int maxLength, int vocabulary, long seed, int... lengths) {
        Random random = new Random(seed);
        int[][] rows = new int[lengths.length][];
        for (int i = 0; i < lengths.length; i++) {
            rows[i] = random.ints(lengths[i], FIRST_WORD, vocabulary).toArray();
        }
        return of(type, maxLength, rows);
    }

    int rows() {
        return (int) features.rows();
    }

    /** One-hot labels {@code [n, classes]}, row i of class i mod classes. */
    static INDArray labels(DataType type, int rows, int classes) {
        INDArray labels = Nd4j.zeros(type, rows, classes);
        for (int i = 0; i < rows; i++) {
            labels.putScalar(i, i % classes, 1.0);
        }
        return labels;
    }
}
