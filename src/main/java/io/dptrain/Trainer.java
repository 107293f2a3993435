package io.dptrain;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Trains a network on a prepared table (label int, pixels binary; see io.dptrain.data.ImageTable).
 * Implementations are configured in their constructor; listeners see every round.
 */
public interface Trainer {

    /** Adds a listener called on the driver at start, after every round and epoch, and at the end. */
    Trainer addListener(TrainingListener listener);

    /** Trains on {@code train} and returns the model with the metrics of every round. */
    TrainingResult fit(Dataset<Row> train);
}
