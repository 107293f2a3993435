package io.dptrain.data;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

import java.io.Serializable;
import java.util.List;

/**
 * Labelled examples held in memory (a worker's shard, a test set) that know how to become DL4J
 * minibatches: images ({@link LabeledImages}) or token sequences with masks (text).
 */
public interface ExampleSet extends Serializable {

    /** Number of examples. */
    int count();

    /** Number of classes; labels are 0..classes-1. */
    int classes();

    /** A copy of examples {@code from} (inclusive) to {@code to} (exclusive), in their stored form. */
    ExampleSet slice(int from, int to);

    /**
     * Minibatches of consecutive examples in stored order, in the given precision. The last one
     * holds the remainder and may be shorter; no example is dropped.
     */
    List<DataSet> minibatches(int batchSize, DataType dataType);
}
