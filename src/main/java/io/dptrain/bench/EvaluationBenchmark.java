package io.dptrain.bench;

import io.dptrain.config.DptrainConfig;
import io.dptrain.data.ExampleSet;
import io.dptrain.engine.TrainingData;
import io.dptrain.engine.spark.Nd4jThreads;
import io.dptrain.model.Networks;
import io.dptrain.predict.BatchPredictor;
import io.dptrain.report.Evaluator;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Per-epoch test evaluation, the way dptrain did it before the Spark ML API (the whole table
 * collected to the driver once, then scored there in batches of 512) against the distributed
 * {@link Evaluator} (cached on the executors, scored by the tasks), on the same table and network,
 * interleaved so that both see the same machine load. The driver-side path is timed with the
 * driver's nd4j threads set to {@code driverThreads}: in a local-mode training run the tasks had
 * set them to {@code spark.task.cpus} (1) process-wide before the first evaluation, which is what a
 * run really paid; with all cores it is the driver path's best case.
 */
public final class EvaluationBenchmark {

    /**
     * What one run measured, in milliseconds per full evaluation.
     *
     * @param examples      examples per evaluation
     * @param driverMs      each repeat of the driver-side evaluation
     * @param distributedMs each repeat of the distributed evaluation
     * @param driverThreads nd4j threads of the driver-side evaluation
     * @param accuracy      both paths' accuracy (they must agree)
     */
    public record Result(long examples, long[] driverMs, long[] distributedMs, int driverThreads, double accuracy) {

        /** Median driver-side time over median distributed time. */
        public double speedup() {
            return median(driverMs) / median(distributedMs);
        }

        /** A table and a last line {@code SUMMARY eval_speedup=R}. */
        public String toText() {
            return String.format(Locale.ROOT, "examples per evaluation: %d, accuracy (both paths): %.4f%n"
                            + "driver-side (%d nd4j thread(s)), ms: %s, median %.0f%n"
                            + "distributed (Evaluator), ms: %s, median %.0f%n"
                            + "SUMMARY eval_speedup=%.3f driver_ms=%.0f distributed_ms=%.0f driver_threads=%d%n",
                    examples, accuracy, driverThreads, Arrays.toString(driverMs), median(driverMs),
                    Arrays.toString(distributedMs), median(distributedMs), speedup(), median(driverMs),
                    median(distributedMs), driverThreads);
        }
    }

    private EvaluationBenchmark() {
    }

    /**
     * Runs both paths {@code repeats} times, alternating.
     *
     * @param table         a prepared test table matching {@code config}
     * @param config        the configuration whose network (untrained: the cost is the same) is evaluated
     * @param repeats       evaluations per path, at least 1
     * @param driverThreads nd4j threads for the driver-side path
     * @param batchSize     examples per forward pass of the distributed path (the driver-side one keeps 512)
     */
    public static Result run(Dataset<Row> table, DptrainConfig config, int repeats, int driverThreads,
                             int batchSize) {
        if (repeats < 1) {
            throw new IllegalArgumentException("repeats must be >= 1, got " + repeats);
        }
        MultiLayerNetwork net = Networks.create(config);
        ExampleSet collected = TrainingData.collect(table, config);
        List<DataSet> batches = collected.minibatches(512, Networks.dataType(config));
        long[] driver = new long[repeats];
        long[] distributed = new long[repeats];
        double driverAccuracy = 0;
        double distributedAccuracy = 0;
        try (Evaluator evaluator = new Evaluator(table, TrainingData.codec(table, config), batchSize)) {
            evaluator.evaluate(net); // warm-up: JIT, and nd4j's first use on the executors
            for (int i = 0; i < repeats; i++) {
                Nd4jThreads.use(driverThreads);
                long t0 = System.nanoTime();
                driverAccuracy = driverSide(net, batches);
                driver[i] = (System.nanoTime() - t0) / 1_000_000;
                long t1 = System.nanoTime();
                distributedAccuracy = evaluator.evaluate(net).accuracy();
                distributed[i] = (System.nanoTime() - t1) / 1_000_000;
            }
        }
        if (Math.abs(driverAccuracy - distributedAccuracy) > 1e-9) {
            throw new IllegalStateException("the two paths disagree: driver-side accuracy " + driverAccuracy
                    + ", distributed " + distributedAccuracy);
        }
        return new Result(collected.count(), driver, distributed, driverThreads, distributedAccuracy);
    }

    /** The former driver-side evaluation: every batch through the network on the driver. */
    private static double driverSide(MultiLayerNetwork net, List<DataSet> batches) {
        long correct = 0;
        long total = 0;
        for (DataSet batch : batches) {
            double[][] probabilities = BatchPredictor.probabilities(net, batch);
            double[][] labels = batch.getLabels().toDoubleMatrix();
            for (int i = 0; i < probabilities.length; i++) {
                correct += argmax(probabilities[i]) == argmax(labels[i]) ? 1 : 0;
                total++;
            }
        }
        return (double) correct / total;
    }

    private static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    static double median(long[] values) {
        return BenchmarkReport.median(Arrays.stream(values).asDoubleStream().toArray());
    }
}
