package io.dptrain.engine;

import io.dptrain.config.DptrainConfig;
import io.dptrain.data.ImageShape;
import io.dptrain.data.ImageTable;
import io.dptrain.data.LabeledImages;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Checks a training table against the configuration before any trainer uses it. */
public final class TrainingData {
    private TrainingData() {
    }

    /** The table limited to {@code dptrain.data.train-limit} rows, after checking its shape. */
    public static Dataset<Row> checked(Dataset<Row> table, DptrainConfig config) {
        ImageShape expected = shapeOf(config.data());
        ImageShape found = ImageTable.shapeOf(table);
        if (!found.equals(expected)) {
            throw new IllegalArgumentException("the training table has shape " + found + " but the configuration says "
                    + expected + " (dptrain.data.height/width/channels/classes)");
        }
        int limit = config.data().trainLimit();
        return limit > 0 ? table.limit(limit) : table;
    }

    public static LabeledImages collect(Dataset<Row> table, DptrainConfig config) {
        LabeledImages images = ImageTable.collect(checked(table, config));
        if (images.count() == 0) {
            throw new IllegalArgumentException("the training table is empty: nothing to train on");
        }
        return images;
    }

    public static ImageShape shapeOf(DptrainConfig.Data data) {
        return new ImageShape(data.height(), data.width(), data.channels(), data.classes());
    }
}
