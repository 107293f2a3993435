package io.dptrain.report;

import io.dptrain.data.ExampleCodec;
import io.dptrain.predict.BatchPredictor;
import io.dptrain.predict.ModelPayload;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Evaluates a network on a labelled prepared table (images or token sequences), on the executors:
 * the table is spread over a few partitions per core and cached once, and each {@link #evaluate}
 * broadcasts the network and scores every partition through {@link BatchPredictor} (the path
 * {@code transform} and {@code predict} use), summing per-partition confusion matrices. Only the
 * matrix comes back to the driver. {@link #close()} releases the cached table.
 */
public final class Evaluator implements AutoCloseable {
    /** Examples per forward pass: inference holds no gradients, so larger batches than training fit. */
    private static final int EVAL_BATCH = 512;
    private static final int PARTITIONS_PER_CORE = 4;

    private final Dataset<Row> table;
    private final ExampleCodec codec;
    private final long examples;
    private final int batchSize;

    /**
     * Caches the table's label and features columns, spread over the default parallelism.
     *
     * @param prepared a prepared table: label int in 0..classes-1 and the codec's features column
     * @param codec    the table's codec ({@code io.dptrain.engine.TrainingData#codec})
     * @throws IllegalArgumentException if the table is empty
     */
    public Evaluator(Dataset<Row> prepared, ExampleCodec codec) {
        this(prepared, codec, EVAL_BATCH);
    }

    /**
     * As {@link #Evaluator(Dataset, ExampleCodec)}, with examples per forward pass.
     *
     * @param batchSize examples per forward pass, at least 1
     */
    public Evaluator(Dataset<Row> prepared, ExampleCodec codec, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        this.batchSize = batchSize;
        this.codec = Objects.requireNonNull(codec, "codec");
        // A few partitions per core: a core that finishes early takes the next one, so one slow core does
        // not hold up the pass; the network is restored once per thread, not per partition (BatchPredictor).
        int partitions = PARTITIONS_PER_CORE * prepared.sparkSession().sparkContext().defaultParallelism();
        this.table = prepared.select(codec.columns()).repartition(partitions).persist(StorageLevel.MEMORY_AND_DISK());
        this.examples = table.count();
        if (examples == 0) {
            table.unpersist();
            throw new IllegalArgumentException("the evaluation set is empty");
        }
    }

    /** Examples in the evaluation set. */
    public long examples() {
        return examples;
    }

    /**
     * Scores every example with {@code net} and counts the outcomes.
     *
     * @param net the network to evaluate (its parameters are copied into a broadcast)
     * @return accuracy, per-class metrics and the confusion matrix
     */
    public EvaluationReport evaluate(MultiLayerNetwork net) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(table.sparkSession().sparkContext());
        Broadcast<ModelPayload> payload = jsc.broadcast(ModelPayload.of(net, codec));
        try {
            BatchPredictor predictor = new BatchPredictor(payload, batchSize);
            int classes = codec.classes();
            long[][] confusion = table.javaRDD()
                    .mapPartitions(rows -> java.util.Collections.singletonList(confusion(predictor.score(rows, 1), classes)).iterator())
                    .treeReduce(Evaluator::add);
            return EvaluationReport.of(confusion);
        } finally {
            payload.destroy();
        }
    }

    /** Releases the cached table. */
    @Override
    public void close() {
        table.unpersist();
    }

    private static long[][] confusion(Iterator<BatchPredictor.Scored> scored, int classes) {
        long[][] counts = new long[classes][classes];
        while (scored.hasNext()) {
            BatchPredictor.Scored s = scored.next();
            int label = s.row().getInt(0);
            if (label < 0 || label >= classes) {
                throw new IllegalArgumentException("label " + label + " is not a class index 0.." + (classes - 1));
            }
            counts[label][s.best()]++;
        }
        return counts;
    }

    private static long[][] add(long[][] a, long[][] b) {
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                a[i][j] += b[i][j];
            }
        }
        return a;
    }
}
