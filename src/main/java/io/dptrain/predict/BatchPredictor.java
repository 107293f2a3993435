package io.dptrain.predict;

import io.dptrain.data.ExampleSet;
import io.dptrain.engine.spark.Nd4jThreads;
import io.dptrain.model.SequenceOutputs;
import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import org.apache.spark.TaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The one prediction path, on the executors: a partition's rows go through the broadcast network in
 * minibatches built by the same rules as training minibatches ({@link ExampleSet#minibatches}:
 * pixels scaled, token ids padded and masked), and each row comes back with its class
 * probabilities. {@code DptrainClassificationModel.transform}, the per-epoch and CLI evaluation
 * ({@code io.dptrain.report.Evaluator}) and the CLI's {@code predict} all score through it.
 *
 * <p>The network is restored from the broadcast once per concurrent task of an executor and reused by
 * its later partitions; nd4j runs with {@code spark.task.cpus} threads, as in training. Rows are pulled one batch at a time, so a
 * partition is never held in memory whole.
 */
public final class BatchPredictor implements Serializable {

    private static final long serialVersionUID = 1L;

    /** A row and its class probabilities (summing to 1, in class-index order). */
    public record Scored(Row row, double[] probabilities) {

        /** The most probable class; the first of equal maxima. */
        public int best() {
            int best = 0;
            for (int c = 1; c < probabilities.length; c++) {
                if (probabilities[c] > probabilities[best]) {
                    best = c;
                }
            }
            return best;
        }
    }

    private final Broadcast<ModelPayload> payload;
    private final int batchSize;

    /**
     * @param payload   the broadcast network and codec
     * @param batchSize rows per forward pass, at least 1: larger batches use the cores better,
     *                  smaller ones hold fewer activations in memory
     */
    public BatchPredictor(Broadcast<ModelPayload> payload, int batchSize) {
        this.payload = Objects.requireNonNull(payload, "payload");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        this.batchSize = batchSize;
    }

    /**
     * Scores a partition lazily.
     *
     * @param rows   the partition's rows
     * @param column index of the model's input column (canonical pixel bytes or token ids) in each row
     * @return the rows with their probabilities, in order
     */
    public Iterator<Scored> score(Iterator<Row> rows, int column) {
        if (!rows.hasNext()) {
            return Collections.emptyIterator();
        }
        TaskContext task = TaskContext.get();
        Nd4jThreads.forTask(task);
        ModelPayload p = payload.value();
        MultiLayerNetwork net = Networks.take(payload.id(), p);
        if (task != null) {
            task.addTaskCompletionListener((TaskContext t) -> Networks.give(payload.id(), net));
        }
        return new Batches(rows, p, net, column);
    }

    /**
     * Restored networks of the current broadcast, per executor JVM: a network is not thread-safe, so a
     * task takes one (or restores one) and gives it back when it completes; a pass over many partitions
     * restores one per concurrent task instead of one per partition. Only the newest broadcast's
     * networks are kept: a new one drops the others.
     */
    private static final class Networks {
        private static final Map<Long, Queue<MultiLayerNetwork>> POOL = new ConcurrentHashMap<>();

        private Networks() {
        }

        static MultiLayerNetwork take(long broadcast, ModelPayload payload) {
            POOL.keySet().removeIf(id -> id != broadcast);
            MultiLayerNetwork net = POOL.computeIfAbsent(broadcast, id -> new ConcurrentLinkedQueue<>()).poll();
            return net != null ? net : payload.restore();
        }

        static void give(long broadcast, MultiLayerNetwork net) {
            Queue<MultiLayerNetwork> free = POOL.get(broadcast);
            if (free != null) {
                free.add(net);
            }
        }
    }

    /**
     * Scores a partition lazily and turns each scored row into an output value.
     *
     * @param rows   the partition's rows
     * @param column index of the model's input column in each row
     * @param output what each scored row becomes (an output row)
     * @return the outputs, in order
     */
    public <T> Iterator<T> score(Iterator<Row> rows, int column, Function<Scored, T> output) {
        Iterator<Scored> scored = score(rows, column);
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return scored.hasNext();
            }

            @Override
            public T next() {
                return output.apply(scored.next());
            }
        };
    }

    /** Pulls one batch of input rows at a time. */
    private final class Batches implements Iterator<Scored> {
        private final Iterator<Row> input;
        private final ModelPayload payload;
        private final MultiLayerNetwork net;
        private final int column;
        private final ArrayDeque<Scored> ready = new ArrayDeque<>();

        Batches(Iterator<Row> input, ModelPayload payload, MultiLayerNetwork net, int column) {
            this.input = input;
            this.payload = payload;
            this.net = net;
            this.column = column;
        }

        @Override
        public boolean hasNext() {
            if (ready.isEmpty() && input.hasNext()) {
                List<Row> batch = new ArrayList<>(batchSize);
                while (batch.size() < batchSize && input.hasNext()) {
                    batch.add(input.next());
                }
                DataSet examples = payload.codec().unlabelled(batch, column)
                        .minibatches(batchSize, net.params().dataType()).get(0);
                double[][] probabilities;
                try (INDArray features = examples.getFeatures(); INDArray labels = examples.getLabels()) {
                    probabilities = probabilities(net, examples);
                } finally {
                    if (examples.getFeaturesMaskArray() != null) {
                        examples.getFeaturesMaskArray().close();
                    }
                }
                for (int i = 0; i < batch.size(); i++) {
                    ready.add(new Scored(batch.get(i), probabilities[i]));
                }
            }
            return !ready.isEmpty();
        }

        @Override
        public Scored next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return ready.poll();
        }
    }

    /**
     * The network's class probabilities for one minibatch (its features and mask; labels are ignored);
     * a per-step (truncated-BPTT) output is read at each example's last real step.
     */
    public static double[][] probabilities(MultiLayerNetwork net, DataSet batch) {
        INDArray mask = batch.getFeaturesMaskArray();
        try (INDArray out = net.output(batch.getFeatures(), false, mask, null)) {
            return SequenceOutputs.atLastStep(out, mask).toDoubleMatrix();
        }
    }
}
