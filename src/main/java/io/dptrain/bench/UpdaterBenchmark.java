package io.dptrain.bench;

import io.dptrain.config.DptrainConfig;
import io.dptrain.engine.spark.ApplyTimer;
import io.dptrain.engine.spark.Nd4jThreads;
import io.dptrain.model.Networks;
import io.dptrain.model.Subnormals;
import io.dptrain.model.VectorizedAdam;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;

/**
 * The Adam step on a network's parameter count, as gradient averaging applies it every round: DL4J's own
 * ({@code Adam}: libnd4j's adam_updater op) against {@link VectorizedAdam}, each on a state of normal floats and on
 * one where every tenth value of the first moment and of the gradient is subnormal (what a LeNet run with L2
 * accumulates, {@link Subnormals}), plus what a {@link Subnormals#flush} of the network costs. The updaters run on
 * a state view laid out as DL4J lays it out (first moment, then second) and on the same float gradient; the
 * state is reset before every timed step so each step sees the same values.
 *
 * <p>Then gradient averaging's whole apply on the configuration's network (a round's combine, {@code ApplyTimer}):
 * DL4J's updater pipeline against {@code FusedUpdate}, on sums of two replicas' {@code train.batch-size}
 * examples.
 */
public final class UpdaterBenchmark {
    private static final float SUBNORMAL = 1e-40f;
    private static final String DL4J_APPLY = "dl4j-pipeline";
    private static final String FUSED_APPLY = "fused";
    private static final String SUMS = "random sums";

    /** One updater on one kind of state: the median and the 10th and 90th percentiles of its steps, in ms. */
    public record Timing(String updater, String state, double medianMs, double p10Ms, double p90Ms) {
    }

    /** The timings, the flush's median and the figures of the summary line. */
    public record Result(long parameters, int threads, List<Timing> timings, double flushMs, List<Timing> applies,
                         int flushEvery) {

        double median(String updater, String state) {
            return Stream.concat(timings.stream(), applies.stream())
                    .filter(t -> t.updater().equals(updater) && t.state().equals(state))
                    .mapToDouble(Timing::medianMs).findFirst().orElseThrow();
        }

        /**
         * {@code SUMMARY adam_ms=X vectorized_ms=Y speedup=R subnormal_adam_ms=X subnormal_vectorized_ms=Y
         * flush_ms=F}.
         */
        public String summaryLine() {
            return String.format(Locale.ROOT, "SUMMARY adam_ms=%.3f vectorized_ms=%.3f speedup=%.2f "
                            + "subnormal_adam_ms=%.3f subnormal_vectorized_ms=%.3f flush_ms=%.3f "
                            + "apply_dl4j_ms=%.3f apply_fused_ms=%.3f",
                    median("dl4j", "normal"), median("vectorized", "normal"),
                    median("dl4j", "normal") / median("vectorized", "normal"), median("dl4j", "subnormal"),
                    median("vectorized", "subnormal"), flushMs, median(DL4J_APPLY, SUMS), median(FUSED_APPLY, SUMS));
        }

        public String toText() {
            StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
                    "Adam step on %d float parameters, %d nd4j thread(s); ms per step (median, p10-p90):%n",
                    parameters, threads));
            for (Timing t : timings) {
                s.append(String.format(Locale.ROOT, "  %-10s %-9s %8.3f  (%.3f-%.3f)%n", t.updater(), t.state(),
                        t.medianMs(), t.p10Ms(), t.p90Ms()));
            }
            s.append(String.format(Locale.ROOT, "  flush of the network's parameters and updater state: %.3f ms%n",
                    flushMs));
            s.append(String.format(Locale.ROOT, "Gradient averaging's apply of a summed gradient (division, L2, Adam, "
                    + "subtraction, the flush every %d steps); ms per step:%n", flushEvery));
            for (Timing t : applies) {
                s.append(String.format(Locale.ROOT, "  %-12s %8.3f  (%.3f-%.3f)%n", t.updater(), t.medianMs(),
                        t.p10Ms(), t.p90Ms()));
            }
            return s.append(summaryLine()).toString();
        }
    }

    private UpdaterBenchmark() {
    }

    /**
     * Times {@code steps} steps of each updater on each state after {@code warmup} untimed ones, with
     * {@code threads} nd4j threads (1: as a task of two on two cores runs); {@code net} gives the parameter count
     * and the flush's arrays.
     */
    public static Result run(DptrainConfig config, int threads, int warmup, int steps) {
        Nd4jThreads.use(threads);
        MultiLayerNetwork net = Networks.create(config);
        int n = (int) net.numParams();
        List<Timing> timings = new ArrayList<>();
        for (String updater : List.of("dl4j", "vectorized")) {
            for (String state : List.of("normal", "subnormal")) {
                timings.add(time(updater, state, n, warmup, steps));
            }
        }
        net.getUpdater(true);
        double[] flush = new double[steps];
        for (int i = 0; i < steps; i++) {
            long t0 = System.nanoTime();
            Subnormals.flush(net);
            flush[i] = (System.nanoTime() - t0) / 1e6;
        }
        int every = config.train().flushSubnormalsEvery();
        int examples = 2 * config.train().batchSize(); // two replicas' batches, as ApplyTimer sums them
        List<Timing> applies = new ArrayList<>();
        for (String apply : List.of(DL4J_APPLY, FUSED_APPLY)) {
            double[] ms = ApplyTimer.time(Networks.create(config), apply.equals(FUSED_APPLY), examples, every, warmup,
                    steps);
            applies.add(timing(apply, SUMS, ms));
        }
        return new Result(n, threads, timings, BenchmarkReport.percentile(flush, 0.5), applies, every);
    }

    private static Timing timing(String name, String state, double[] ms) {
        return new Timing(name, state, BenchmarkReport.percentile(ms, 0.5), BenchmarkReport.percentile(ms, 0.1),
                BenchmarkReport.percentile(ms, 0.9));
    }

    private static Timing time(String updater, String state, int n, int warmup, int steps) {
        IUpdater config = updater.equals("dl4j") ? new Adam(1e-3) : new VectorizedAdam(1e-3);
        Random random = new Random(42);
        float[] gradient = new float[n];
        float[] moments = new float[2 * n]; // first moment, then second, as DL4J's state view
        for (int i = 0; i < n; i++) {
            boolean subnormal = state.equals("subnormal") && i % 10 == 0;
            gradient[i] = subnormal ? 0 : (float) random.nextGaussian() * 0.01f;
            moments[i] = subnormal ? SUBNORMAL : (float) random.nextGaussian() * 0.001f;
            moments[n + i] = (float) Math.abs(random.nextGaussian()) * 1e-5f;
        }
        INDArray view = Nd4j.create(DataType.FLOAT, new long[]{1, 2L * n}, 'f');
        INDArray gradientView = Nd4j.create(DataType.FLOAT, new long[]{1, n}, 'f');
        GradientUpdater<?> step = config.instantiate(view, false);
        double[] ms = new double[steps];
        for (int i = 0; i < warmup + steps; i++) {
            view.data().asNioFloat().put(moments);
            gradientView.data().asNioFloat().put(gradient);
            long t0 = System.nanoTime();
            step.applyUpdater(gradientView, 100 + i, 1);
            long t1 = System.nanoTime();
            if (i >= warmup) {
                ms[i - warmup] = (t1 - t0) / 1e6;
            }
        }
        return timing(updater, state, ms);
    }
}
