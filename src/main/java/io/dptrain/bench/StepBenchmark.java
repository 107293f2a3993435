package io.dptrain.bench;

import io.dptrain.config.DptrainConfig;
import io.dptrain.engine.spark.Nd4jThreads;
import io.dptrain.model.Networks;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One replica's training step as the round engine runs it: {@code MultiLayerNetwork.fit(minibatch)} on
 * minibatches decoded once, with one nd4j thread (a task's {@code spark.task.cpus}). After a warm-up, each
 * of {@code steps} steps is timed alone; the median is the figure (the machines here are shared, a mean
 * would carry every hiccup). Besides the step it reports what the JVM saw during the timed steps: Java heap
 * allocated per step (nd4j's arrays live off-heap, so this is the Java-side garbage) and the share of wall
 * time spent in garbage collection, and which platform helper (oneDNN) each layer got.
 */
public final class StepBenchmark {

    /**
     * One timed run.
     *
     * @param preset          the network preset
     * @param label           what the settings are called in the table (e.g. "today", "chosen")
     * @param batchSize       examples per step
     * @param stepMs          each timed step, in order
     * @param heapBytesPerStep Java heap allocated by the stepping thread, per step
     * @param gcShare         garbage collection time over wall time during the timed steps
     * @param helpers         per layer, the platform helper DL4J engaged ("-" for none)
     * @param backend         nd4j's backend build and whether oneDNN is on
     * @param profile         where the steps' time went (null when not profiled)
     */
    public record Result(String preset, String label, int batchSize, double[] stepMs, long heapBytesPerStep,
                         double gcShare, List<String> helpers, String backend, StepProfile.Summary profile) {

        public double medianMs() {
            return BenchmarkReport.median(stepMs.clone());
        }

        /** Examples per second at the median step. */
        public double examplesPerSecond() {
            return batchSize * 1000.0 / medianMs();
        }

        double percentileMs(double p) {
            return BenchmarkReport.percentile(stepMs, p);
        }

        /** A few lines for people, then {@code STEP preset=.. label=.. median_ms=.. ex_s=..} for scripts. */
        public String toText() {
            return String.format(Locale.ROOT, "%s (%s): %d steps of %d examples, median %.1f ms (p10 %.1f, p90 %.1f),"
                            + " %.0f examples/s; Java heap %.1f MB/step, GC %.1f%% of wall time%n"
                            + "  backend: %s%n  helpers per layer: %s%n"
                            + "STEP preset=%s label=%s median_ms=%.2f ex_s=%.1f heap_mb_step=%.2f gc_share=%.4f%n",
                    preset, label, stepMs.length, batchSize, medianMs(), percentileMs(0.1), percentileMs(0.9),
                    examplesPerSecond(), heapBytesPerStep / 1e6, 100 * gcShare, backend, helpers, preset, label,
                    medianMs(), examplesPerSecond(), heapBytesPerStep / 1e6, gcShare)
                    + (profile == null ? "" : "\n" + profile.toMarkdown(15));
        }
    }

    /**
     * DL4J settings the benchmark tries besides the shipped ones (issue 14): the training workspace mode, the
     * cache mode (convolution layers keep their im2col buffer between forward and backward) and the image layout
     * of the convolutional presets, which then take {@code [n, height, width, channels]} features
     * ({@link #channelsLast}).
     */
    public record Trial(WorkspaceMode workspaces, CacheMode cache, CNN2DFormat imageLayout) {
        /** What training uses: DL4J's defaults. */
        public static final Trial SHIPPED = new Trial(WorkspaceMode.ENABLED, CacheMode.NONE, CNN2DFormat.NCHW);

        MultiLayerNetwork network(DptrainConfig config) {
            MultiLayerConfiguration configuration = Networks.configuration(config, Networks.dataType(config),
                    imageLayout);
            configuration.setTrainingWorkspaceMode(workspaces);
            MultiLayerNetwork net = Networks.create(config, configuration);
            net.setCacheMode(cache);
            return net;
        }

        @Override
        public String toString() {
            return "workspaces " + workspaces + ", cache " + cache + ", image layout " + imageLayout;
        }
    }

    private StepBenchmark() {
    }

    /**
     * Flat CHW image rows {@code [n, channels*height*width]} as channels-last {@code [n, height, width, channels]},
     * the input of a network built with {@link Trial#imageLayout()} NHWC.
     */
    public static DataSet channelsLast(DataSet batch, DptrainConfig.Data shape) {
        INDArray chw = batch.getFeatures().reshape('c', batch.numExamples(), shape.channels(), shape.height(),
                shape.width());
        return new DataSet(chw.permute(0, 2, 3, 1).dup('c'), batch.getLabels());
    }

    /**
     * Builds the configured network and times its training step on {@code batches} (cycled).
     *
     * @param config  the run's configuration (preset, data shape, updater and any step settings)
     * @param label   the settings' name in the output
     * @param batches full minibatches in the layout the network trains on
     * @param warmup  untimed steps first (JIT, workspaces, helpers), at least 0
     * @param steps   timed steps, at least 1
     */
    public static Result run(DptrainConfig config, String label, List<DataSet> batches, int warmup, int steps) {
        return run(config, label, batches, warmup, steps, null, Trial.SHIPPED);
    }

    /**
     * As {@link #run(DptrainConfig, String, List, int, int)}, with the network built with {@code trial}'s settings,
     * then, when {@code recording} is not null, as many steps again under a JFR recording written there,
     * summarized by {@link StepProfile} (apart from the timed steps, so that sampling does not slow them).
     */
    public static Result run(DptrainConfig config, String label, List<DataSet> batches, int warmup, int steps,
                             java.nio.file.Path recording, Trial trial) {
        check(batches, warmup, steps);
        Nd4jThreads.use(1);
        MultiLayerNetwork net = trial.network(config);
        return time(config, label, batches, warmup, steps, recording, net::fit, helpers(net),
                backend() + "; " + trial);
    }

    /**
     * The SameDiff trial: the lenet or lstm preset as a SameDiff graph ({@link SameDiffNets}), {@code SameDiff.fit}
     * on one minibatch per step, otherwise as {@link #run(DptrainConfig, String, List, int, int, java.nio.file.Path,
     * Trial)}.
     */
    public static Result runSameDiff(DptrainConfig config, String label, List<DataSet> batches, int warmup,
                                     int steps, java.nio.file.Path recording) {
        check(batches, warmup, steps);
        Nd4jThreads.use(1);
        SameDiff graph = SameDiffNets.build(config);
        return time(config, label, batches, warmup, steps, recording, batch -> graph.fit(batch),
                List.of("SameDiff graph (no layers)"), backend() + "; SameDiff");
    }

    private static void check(List<DataSet> batches, int warmup, int steps) {
        if (steps < 1 || warmup < 0) {
            throw new IllegalArgumentException("steps must be >= 1 and warmup >= 0, got steps " + steps
                    + ", warmup " + warmup);
        }
        if (batches.isEmpty()) {
            throw new IllegalArgumentException("no minibatches to step on");
        }
    }

    /** Warm-up, then each timed step alone; the profiled steps, if any, after them. */
    private static Result time(DptrainConfig config, String label, List<DataSet> batches, int warmup, int steps,
                               java.nio.file.Path recording, Consumer<DataSet> step, List<String> helpers,
                               String backend) {
        for (int i = 0; i < warmup; i++) {
            step.accept(batches.get(i % batches.size()));
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        double[] stepMs = new double[steps];
        long heapBefore = threads.getThreadAllocatedBytes(thread);
        long gcBefore = gcMillis();
        long wallBefore = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            DataSet batch = batches.get((warmup + i) % batches.size());
            long t0 = System.nanoTime();
            step.accept(batch);
            stepMs[i] = (System.nanoTime() - t0) / 1e6;
        }
        double wallMs = (System.nanoTime() - wallBefore) / 1e6;
        long heap = (threads.getThreadAllocatedBytes(thread) - heapBefore) / steps;
        double gc = (gcMillis() - gcBefore) / wallMs;
        StepProfile.Summary profile = null;
        if (recording != null) {
            StepProfile.record(recording, () -> {
                for (int i = 0; i < steps; i++) {
                    step.accept(batches.get(i % batches.size()));
                }
            });
            profile = StepProfile.summarize(recording, Thread.currentThread().getName());
        }
        return new Result(config.model().preset().configName(), label, batches.get(0).numExamples(), stepMs, heap, gc,
                helpers, backend, profile);
    }

    private static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(GarbageCollectorMXBean::getCollectionTime).filter(t -> t > 0).sum();
    }

    /** Per layer "index:Layer=Helper", the helper DL4J created for it (oneDNN on CPU) or "-". */
    static List<String> helpers(MultiLayerNetwork net) {
        return Arrays.stream(net.getLayers()).map(StepBenchmark::helper).collect(Collectors.toList());
    }

    private static String helper(Layer layer) {
        Object helper = layer.getHelper();
        return layer.getIndex() + ":" + layer.getClass().getSimpleName() + "="
                + (helper == null ? "-" : helper.getClass().getSimpleName());
    }

    /** nd4j's native build and BLAS, and whether its platform helpers are allowed. */
    static String backend() {
        var info = Nd4j.getExecutioner().getEnvironmentInformation();
        return "nd4j build " + io.dptrain.model.NativeBuild.loaded() + ", blas " + info.getProperty("blas.vendor", "?")
                + ", helpers " + (Nd4j.getEnvironment().helpersAllowed() ? "allowed" : "off");
    }
}
