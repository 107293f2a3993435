package io.dptrain.engine;

import io.dptrain.config.DptrainConfig;
import io.dptrain.data.ExampleCodec;
import io.dptrain.data.ExampleSet;
import io.dptrain.data.ImageCodec;
import io.dptrain.data.ImageShape;
import io.dptrain.data.ImageTable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.List;

/** Checks a prepared table against the configuration and picks how its rows become examples. */
public final class TrainingData {
    private TrainingData() {
    }

    /** The table limited to {@code dptrain.data.train-limit} rows, after checking it fits the configuration. */
    public static Dataset<Row> checked(Dataset<Row> table, DptrainConfig config) {
        codec(table, config);
        int limit = config.data().trainLimit();
        return limit > 0 ? table.limit(limit) : table;
    }

    /** The codec of a prepared table whose shape (from its metadata) matches the configuration. */
    public static ExampleCodec codec(Dataset<Row> table, DptrainConfig config) {
        ImageShape expected = shapeOf(config.data());
        ImageShape found = ImageTable.shapeOf(table);
        if (!found.equals(expected)) {
            throw new IllegalArgumentException("the table has shape " + found + " but the configuration says "
                    + expected + " (dptrain.data.height/width/channels/classes)");
        }
        return new ImageCodec(found);
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
