package io.dptrain.engine;

import io.dptrain.config.DptrainConfig;
import io.dptrain.data.ExampleCodec;
import io.dptrain.data.ExampleSet;
import io.dptrain.data.ImageCodec;
import io.dptrain.data.ImageShape;
import io.dptrain.data.ImageTable;
import io.dptrain.data.SeededOrder;
import io.dptrain.data.text.SequenceShape;
import io.dptrain.data.text.TextTable;
import io.dptrain.data.text.TokenCodec;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.List;
import java.util.Optional;

/**
 * Checks a prepared table (images: label + pixels; text: label + tokens) against the configuration
 * and picks how its rows become examples.
 */
public final class TrainingData {
    private TrainingData() {
    }

    /**
     * The rows to train on, after checking the table fits the configuration: without the
     * {@code dptrain.data.validation-rows} held out ({@link #validation}) and limited to
     * {@code dptrain.data.train-limit} rows. Both follow the table's {@link SeededOrder} for
     * {@code dptrain.train.seed}: the first V rows are the validation set, the next L (all by default) the
     * training rows, so the split depends on the table's content only, never on its partitioning or read order.
     */
    public static Dataset<Row> checked(Dataset<Row> table, DptrainConfig config) {
        ExampleCodec codec = codec(table, config);
        int limit = config.data().trainLimit();
        int held = config.data().validationRows();
        if (limit == 0 && held == 0) {
            return table;
        }
        Dataset<Row> ordered = SeededOrder.of(table, codec.columns(), config.train().seed());
        if (held > 0) {
            long rows = table.count();
            if (held >= rows) {
                throw new IllegalArgumentException("dptrain.data.validation-rows = " + held + " leaves nothing to train"
                        + " on: the training table has " + rows + " rows; hold out fewer (e.g. " + rows / 10 + ")");
            }
            ordered = ordered.offset(held);
        }
        return limit > 0 ? ordered.limit(limit) : ordered;
    }

    /**
     * The validation set {@code dptrain.data.validation-rows} holds out of the training table (the first
     * rows of its seeded order; see {@link #checked}), or empty when it is 0.
     */
    public static Optional<Dataset<Row>> validation(Dataset<Row> table, DptrainConfig config) {
        int held = config.data().validationRows();
        if (held == 0) {
            return Optional.empty();
        }
        ExampleCodec codec = codec(table, config);
        return Optional.of(SeededOrder.of(table, codec.columns(), config.train().seed()).limit(held));
    }

    /** A prepared table (image or text) from any Hadoop path, with a clear error when there is none. */
    public static Dataset<Row> read(SparkSession spark, String path) {
        try {
            return spark.read().parquet(path);
        } catch (Exception e) { // Spark's AnalysisException (a missing path) is checked in Java's eyes, thrown unchecked
            if (spark.sparkContext().isStopped()) {
                throw new IllegalStateException("Spark stopped the application before it could read " + path
                        + "; see Spark's log. 'All masters are unresponsive' there means the cluster did not accept"
                        + " it: check the master URL, and on a cluster that runs with spark.authenticate=true set"
                        + " spark.authenticate=true and the cluster's spark.authenticate.secret", e);
            }
            throw new IllegalArgumentException("cannot read a prepared table at " + path + " (run `dptrain prepare` "
                    + "first): " + e.getMessage(), e);
        }
    }

    /** Whether a prepared table holds token sequences (text) rather than images. */
    public static boolean isText(Dataset<Row> table) {
        return java.util.Arrays.asList(table.columns()).contains(TextTable.TOKENS);
    }

    /** The codec of a prepared table whose shape (from its metadata) matches the configuration. */
    public static ExampleCodec codec(Dataset<Row> table, DptrainConfig config) {
        if (isText(table)) {
            return new TokenCodec(sequenceShape(table, config));
        }
        ImageShape expected = shapeOf(config.data());
        ImageShape found = ImageTable.shapeOf(table);
        if (!found.equals(expected)) {
            throw new IllegalArgumentException("the table has shape " + found + " but the configuration says "
                    + expected + " (dptrain.data.height/width/channels/classes)");
        }
        return new ImageCodec(found);
    }

    /**
     * The text table's shape, checked against the configuration: same max length and classes, and a
     * vocabulary no larger than the embedding (dptrain.data.vocabulary-size).
     */
    public static SequenceShape sequenceShape(Dataset<Row> table, DptrainConfig config) {
        SequenceShape found = TextTable.shapeOf(table);
        DptrainConfig.Data data = config.data();
        if (found.maxLength() != data.maxLength() || found.classes() != data.classes()
                || found.vocabularySize() > data.vocabularySize()) {
            throw new IllegalArgumentException("the text table has max length " + found.maxLength() + ", "
                    + found.classes() + " classes " + found.classNames() + " and a vocabulary of "
                    + found.vocabularySize() + ", but the configuration says dptrain.data.max-length = "
                    + data.maxLength() + ", dptrain.data.classes = " + data.classes()
                    + ", dptrain.data.vocabulary-size = " + data.vocabularySize()
                    + " (the vocabulary may be smaller, not larger)");
        }
        return found;
    }

    /** The codec of a prepared table (image or text), from its metadata alone. */
    public static ExampleCodec codecOf(Dataset<Row> table) {
        return isText(table) ? new TokenCodec(TextTable.shapeOf(table)) : new ImageCodec(ImageTable.shapeOf(table));
    }

    /** A whole table on the driver in its stored order (for evaluation), checked against the configuration. */
    public static ExampleSet collect(Dataset<Row> table, DptrainConfig config) {
        ExampleCodec codec = codec(table, config);
        List<byte[]> records = table.select(codec.columns()).collectAsList().stream().map(codec::encode).toList();
        if (records.isEmpty()) {
            throw new IllegalArgumentException("the table is empty");
        }
        return codec.decode(records);
    }

    public static ImageShape shapeOf(DptrainConfig.Data data) {
        return new ImageShape(data.height(), data.width(), data.channels(), data.classes());
    }
}
