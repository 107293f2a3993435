package io.dptrain;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Trains a network on a prepared table (label int, pixels binary; see io.dptrain.data.ImageTable).
 * Implementations are configured in their constructor; listeners see every round.
 */
public interface Trainer {

    /** Adds a listener called on the driver at start, after every round and epoch, and at the end. */
    Trainer addListener(TrainingListener listener);

    /** Trains on {@code train} and returns the model with the metrics of every round. */
    TrainingResult fit(Dataset<Row> train);

    /**
     * State the trainer keeps outside the network that continuing the run needs (parameter averaging's
     * outer momentum buffer), as of the last round; null if none. Checkpoints hold it next to the network.
     */
    default INDArray engineState() {
        return null;
    }
}
