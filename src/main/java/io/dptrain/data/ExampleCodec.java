package io.dptrain.data;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;

import java.io.Serializable;
import java.util.List;

/**
 * How the rows of one kind of prepared table travel to the workers: the columns to read, each row
 * as a compact byte record (for the shuffle that builds the shards), and a list of records back as
 * an {@link ExampleSet}. One codec per kind of table: images, token sequences.
 */
public interface ExampleCodec extends Serializable {

    /** Number of classes; labels are 0..classes-1. */
    int classes();

    /** The columns {@link #encode} reads, in order. */
    Column[] columns();

    /** One row of {@link #columns()} as a self-contained record. */
    byte[] encode(Row row);

    /** Records produced by {@link #encode}, in order, as examples. */
    ExampleSet decode(List<byte[]> records);

    /**
     * Unlabelled examples for prediction: the values of the codec's features column (its second
     * column) in column {@code column} of each row, in order, every label 0. The values go through
     * the same minibatch rules as training examples.
     */
    ExampleSet unlabelled(List<Row> rows, int column);
}
