package io.dptrain.bench;

import io.dptrain.RoundMetrics;
import io.dptrain.config.Choices.EngineMode;
import io.dptrain.config.DptrainConfig;
import io.dptrain.report.Provenance;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * The scaling benchmark's report (jobs/bench-scale.sh): fits the {@link CostModel} to communication-only
 * runs at several N, checks it against real training runs, and predicts round time and efficiency
 * {@code C / T} at N = 1..256 for weak scaling (each replica keeps its minibatch) and strong scaling
 * (the global minibatch stays that of 64 replicas), on loopback-fast links and on 10 Gb/s links.
 * {@link #toText()} is the markdown and a last line {@code SCALING fit_err_n2=F fit_err_comm_n8=F
 * eff64_vgg_pa=E eff64_lenet_ga=E}; {@link #writeTo} also draws efficiency against N.
 */
public final class ScalingReport {
    public static final String MARKDOWN_FILE = "report.md";
    public static final String CHART_FILE = "efficiency-vs-n.png";
    /** The what-if network: 10 Gb/s. */
    public static final double TEN_GBIT_BYTES_PER_SECOND = 10e9 / 8;
    static final int[] PREDICTED_N = {1, 2, 4, 8, 16, 32, 64, 128, 256};
    /** Strong scaling keeps the global minibatch of this many replicas at the measured per-replica batch. */
    static final int STRONG_SCALING_REPLICAS = 64;
    /** The efficiency the issue asks of the VGG-style net at 64 executors; the report says what would reach it. */
    static final double TARGET_EFFICIENCY = 0.8;
    /** How far {@link #knobFor} looks: up to this many times the measured k or minibatch. */
    static final int MAX_KNOB_MULTIPLE = 64;

    /** A run folder read for this report: its settings and the medians of its later half of rounds. */
    record Run(Path dir, String preset, EngineMode mode, String exchange, int workers, String master,
               boolean communicationOnly, int depth, int localSteps, int batchSize, double roundMs,
               double computeMsMean, double computeMsMax, double broadcastBytes, double sentBytesPerReplica) {

        static Run of(RunFolder folder) {
            DptrainConfig c = folder.provenance().config();
            BenchmarkRun run = BenchmarkRun.of(folder);
            // The later half of the rounds: the JVMs warm up for tens of rounds (a local-cluster[2] gradient-
            // averaging round, communication only: median 94.5 ms over 200 rounds, 80 over the last 100), longer
            // than the usual 2% warm-up skip of a training benchmark.
            List<RoundMetrics> all = run.steadyRounds();
            List<RoundMetrics> steady = all.subList(all.size() / 2, all.size());
            if (steady.isEmpty()) {
                throw new IllegalArgumentException("run folder " + folder.dir() + " has no rounds to measure");
            }
            int workers = folder.provenance().workers();
            return new Run(folder.dir(), c.model().preset().configName(), c.engine().mode(),
                    c.engine().exchange().configName(), workers, run.master(), c.engine().communicationOnly(),
                    c.engine().aggregationDepth(), c.engine().localSteps(), c.train().batchSize(),
                    BenchmarkReport.median(steady.stream().mapToDouble(RoundMetrics::roundMs).toArray()),
                    BenchmarkReport.median(steady.stream().mapToDouble(RoundMetrics::computeMsMean).toArray()),
                    BenchmarkReport.median(steady.stream().mapToDouble(RoundMetrics::computeMsMax).toArray()),
                    BenchmarkReport.median(steady.stream().mapToDouble(RoundMetrics::bytesBroadcast).toArray()),
                    BenchmarkReport.median(steady.stream().mapToDouble(r -> r.bytesAggregated() / (double) workers).toArray()));
        }

        String shape() {
            return preset + " " + mode.configName() + " " + exchange;
        }

        /**
         * The setting a round's compute grows with: parameter averaging's local steps k (k minibatches a round),
         * gradient averaging's per-replica minibatch (one a round).
         */
        String computeKnob() {
            return mode == EngineMode.PARAMETER_AVERAGING ? "k" : "batch";
        }

        int computeKnobValue() {
            return mode == EngineMode.PARAMETER_AVERAGING ? localSteps : batchSize;
        }

        /** local[N]: the replicas are threads of the driver's JVM, so nothing crosses a process boundary. */
        boolean inProcess() {
            return master.equals("local") || master.startsWith("local[");
        }

        /**
         * What the cost model is fitted to: the round minus its slowest replica's own work. A communication-only
         * replica still fetches the broadcast, decodes its minibatch and loads the state (its "compute" in the
         * metrics, and it differs between presets), and a real round's C + W, which the prediction adds, is timed
         * over the same span of the task.
         */
        CostModel.Sample sample() {
            return new CostModel.Sample(shape() + " N=" + workers, workers, broadcastBytes, sentBytesPerReplica,
                    nonComputeMs(), depth);
        }

        /** The round's time outside the replicas' work: scheduling, result transfer, aggregation, the driver's step. */
        double nonComputeMs() {
            return roundMs - computeMsMax;
        }

        /** σ of the replicas' per-round compute from the mean wait for the slowest (max − mean = σ e(N)). */
        double computeDeviation() {
            return workers < 2 ? 0 : (computeMsMax - computeMsMean) / CostModel.expectedMaxOfNormals(workers);
        }
    }

    /** Weak scaling: every replica keeps its minibatch; strong: the global minibatch is split over N. */
    enum Scaling {
        WEAK, STRONG;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The links the predictions assume: loopback-fast (the fitted costs alone), or 10 Gb/s. */
    enum Network {
        LOOPBACK("loopback"), TEN_GBIT("10 Gb/s");

        private final String label;

        Network(String label) {
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    /** A prediction: round time and efficiency C / T at N for one shape, scaling rule and network. */
    record Prediction(String shape, Scaling scaling, Network network, int workers, double computeMs,
                      double communicationMs, double roundMs) {
        double efficiency() {
            return computeMs / roundMs;
        }
    }

    private final List<Run> communication = new ArrayList<>();
    private final List<Run> real = new ArrayList<>();
    /** Fitted per kind of deployment: true for in-process replicas (local[N]), false for executor JVMs. */
    private final Map<Boolean, CostModel> models = new TreeMap<>();
    private final int cores;
    private final BenchmarkReport.Machine machine;
    private List<Prediction> predictions;
    /** Held-out fits, one per kind of master and shape left out (the table and the N = 4, 8 figures share them). */
    private final Map<String, Optional<CostModel>> heldOutModels = new HashMap<>();

    /**
     * @param runs  communication-only runs (the fits; more than six of each kind of master, at several N)
     *              and real runs (the compute figures and the check)
     * @param cores cores of the machine the communication-only runs were measured on
     */
    public ScalingReport(List<Run> runs, int cores, BenchmarkReport.Machine machine) {
        for (Run r : runs) {
            if (!r.mode().roundEngine()) {
                throw new IllegalArgumentException("run folder " + r.dir() + " is a " + r.mode().configName()
                        + " run; the scaling report reads parameter-averaging and gradient-averaging runs");
            }
            (r.communicationOnly() ? communication : real).add(r);
        }
        this.cores = cores;
        this.machine = machine;
        for (boolean inProcess : new boolean[]{false, true}) {
            List<CostModel.Sample> samples = communication.stream().filter(r -> r.inProcess() == inProcess)
                    .map(Run::sample).toList();
            if (!samples.isEmpty()) {
                models.put(inProcess, CostModel.fit(samples, cores));
            }
        }
        if (!models.containsKey(false)) {
            throw new IllegalArgumentException("no communication-only runs with executor JVMs (local-cluster or a "
                    + "cluster master) among the run folders: the predictions for clusters are fitted to those");
        }
    }

    /** Reads the run folders (local paths) written by {@code dptrain train}. */
    public static ScalingReport read(List<Path> dirs, int cores) {
        return new ScalingReport(dirs.stream().map(d -> Run.of(RunFolder.read(d))).toList(), cores,
                BenchmarkReport.Machine.current());
    }

    /** The cost model fitted to communication-only runs with executor JVMs: the one clusters are predicted with. */
    CostModel model() {
        return models.get(false);
    }

    private CostModel modelFor(Run r) {
        CostModel m = models.get(r.inProcess());
        if (m == null) {
            throw new IllegalArgumentException("run folder " + r.dir() + " ran on " + r.master() + " but no "
                    + "communication-only run did: add communication-only runs on the same kind of master");
        }
        return m;
    }

    /** Relative error of the model on the part of a communication-only run it is fitted to (the round minus the replicas' work). */
    double nonComputeError(Run r) {
        double predicted = modelFor(r).measuredMachineMs(r.workers(), r.broadcastBytes(), r.sentBytesPerReplica(),
                r.depth());
        return Math.abs(predicted - r.nonComputeMs()) / r.nonComputeMs();
    }

    /**
     * The model's error on a communication-only run it was not fitted to: fitted to the runs of the same kind of
     * master minus every run of {@code r}'s shape (preset, mode, exchange), so it predicts bytes it never saw.
     * Empty when the runs left cannot be fitted (too few, or too few byte counts or N to tell the terms apart).
     */
    OptionalDouble heldOutError(Run r) {
        Optional<CostModel> fitted = heldOutModels.computeIfAbsent(r.inProcess() + " " + r.shape(),
                key -> fitWithout(r));
        if (fitted.isEmpty()) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(roundError(r, fitted.get()));
    }

    /** The fit of the communication-only runs of {@code r}'s kind of master but not of its shape, if they allow one. */
    private Optional<CostModel> fitWithout(Run r) {
        List<CostModel.Sample> others = communication.stream()
                .filter(o -> o.inProcess() == r.inProcess() && !o.shape().equals(r.shape())).map(Run::sample).toList();
        try {
            return Optional.of(CostModel.fit(others, cores));
        } catch (IllegalArgumentException tooFewToTellTheTermsApart) {
            return Optional.empty();
        }
    }

    /** The largest held-out error over the communication-only runs at N = {@code n}, when any could be held out. */
    public OptionalDouble heldOutErrorAt(int n) {
        return communication.stream().filter(r -> r.workers() == n).map(this::heldOutError)
                .filter(OptionalDouble::isPresent).mapToDouble(OptionalDouble::getAsDouble).max();
    }

    /**
     * The model's round time for a run: its measured mean compute, the wait for the slowest replica from its
     * compute spread (together: its slowest replica's work), and the fitted communication for its N and bytes.
     * On a communication-only run the "compute" is what its replicas still do (fetch, decode, load).
     */
    double predictedRoundMs(Run r) {
        return predictedRoundMs(r, modelFor(r));
    }

    private static double predictedRoundMs(Run r, CostModel model) {
        double wait = r.computeDeviation() * CostModel.expectedMaxOfNormals(r.workers());
        return r.computeMsMean() + wait
                + model.measuredMachineMs(r.workers(), r.broadcastBytes(), r.sentBytesPerReplica(), r.depth());
    }

    /** Relative error of the model's round time on a run, real or communication-only. */
    double roundError(Run r) {
        return roundError(r, modelFor(r));
    }

    private static double roundError(Run r, CostModel model) {
        return Math.abs(predictedRoundMs(r, model) - r.roundMs()) / r.roundMs();
    }

    /** fit_err_n2: the largest relative error over the real runs with N = 2. */
    public OptionalDouble realErrorAtTwo() {
        return real.stream().filter(r -> r.workers() == 2).mapToDouble(this::roundError).max();
    }

    /** fit_err_comm_n8: the largest relative error over the communication-only runs with N = 8. */
    public OptionalDouble communicationErrorAtEight() {
        return communicationErrorAt(8);
    }

    /** The largest relative error of the fit over the communication-only runs with N = {@code n}. */
    public OptionalDouble communicationErrorAt(int n) {
        return communication.stream().filter(r -> r.workers() == n).mapToDouble(this::roundError).max();
    }

    /**
     * Predictions for every shape with a real run (its compute) and communication-only runs (its bytes,
     * for each exchange measured): weak and strong scaling, on a cluster with loopback-fast links and
     * with 10 Gb/s links.
     */
    List<Prediction> predictions() {
        if (predictions == null) {
            predictions = List.copyOf(predictAll());
        }
        return predictions;
    }

    private List<Prediction> predictAll() {
        List<Prediction> out = new ArrayList<>();
        for (Run compute : realReferences().values()) {
            for (Run bytes : bytesPerExchange(compute).values()) {
                for (Scaling scaling : Scaling.values()) {
                    for (Network network : Network.values()) {
                        for (int n : PREDICTED_N) {
                            out.add(predict(compute, bytes, scaling, network, n));
                        }
                    }
                }
            }
        }
        return out;
    }

    private Prediction predict(Run compute, Run bytes, Scaling scaling, Network network, int n) {
        // At the real run's aggregation depth: the settings the user trains with.
        return predict(compute, bytes, scaling, network, n, 1, compute.depth());
    }

    /**
     * {@code computeMultiple}: the round's compute that many times the measured run's (k or the per-replica
     * minibatch that many times larger; the spread of independent steps grows with its square root).
     */
    private Prediction predict(Run compute, Run bytes, Scaling scaling, Network network, int n, double computeMultiple,
                               int depth) {
        // Weak: each replica computes its measured minibatch. Strong: the global minibatch of 64 replicas
        // is split over n, and compute is taken as proportional to the examples (optimistic for small batches).
        double c = scaling == Scaling.WEAK ? compute.computeMsMean()
                : compute.computeMsMean() * STRONG_SCALING_REPLICAS / (double) n;
        double sigma = compute.computeDeviation() * (scaling == Scaling.WEAK ? 1 : c / compute.computeMsMean())
                * Math.sqrt(computeMultiple);
        c *= computeMultiple;
        double comm = model().clusterMs(n, bytes.broadcastBytes(), bytes.sentBytesPerReplica(), depth);
        if (network == Network.TEN_GBIT) {
            comm += CostModel.transferMs(n, bytes.broadcastBytes(), bytes.sentBytesPerReplica(), depth,
                    TEN_GBIT_BYTES_PER_SECOND);
        }
        double t = c + sigma * CostModel.expectedMaxOfNormals(n) + comm;
        return new Prediction(bytes.shape(), scaling, network, n, c, comm, t);
    }

    /** Per preset and mode, the real run at N = 2 whose compute the predictions use (float32 first). */
    private Map<String, Run> realReferences() {
        Map<String, Run> refs = new TreeMap<>();
        for (Run r : real) {
            if (r.workers() == 2 && r.master().startsWith("local[")) {
                String key = r.preset() + " " + r.mode().configName();
                Run had = refs.get(key);
                if (had == null || (!had.exchange().equals("float32") && r.exchange().equals("float32"))) {
                    refs.put(key, r);
                }
            }
        }
        return refs;
    }

    /** The communication-only runs of the real run's preset and mode, one per exchange (bytes do not depend on N). */
    private Map<String, Run> bytesPerExchange(Run compute) {
        Map<String, Run> out = new TreeMap<>();
        for (Run r : communication) {
            if (r.preset().equals(compute.preset()) && r.mode() == compute.mode() && !r.inProcess()) {
                out.putIfAbsent(r.exchange(), r);
            }
        }
        return out;
    }

    /** Predicted efficiency at N for a preset and mode (float32, weak scaling, 10 Gb/s), if predicted. */
    OptionalDouble efficiency(String preset, EngineMode mode, int n) {
        String shape = preset + " " + mode.configName() + " float32";
        return predictions().stream().filter(p -> p.shape().equals(shape) && p.scaling() == Scaling.WEAK
                && p.network() == Network.TEN_GBIT && p.workers() == n).mapToDouble(Prediction::efficiency).findFirst();
    }

    /**
     * Predicted efficiency at N (weak scaling, 10 Gb/s) of a preset and mode with another exchange, depth or
     * compute knob (k for parameter averaging, the per-replica minibatch for gradient averaging) than measured;
     * empty without a real run of the preset and mode or communication-only runs of the exchange.
     */
    OptionalDouble efficiency(String preset, EngineMode mode, int n, String exchange, int depth, int knobValue) {
        Run compute = realReferences().get(preset + " " + mode.configName());
        return compute == null ? OptionalDouble.empty() : efficiency(compute, n, exchange, depth, knobValue);
    }

    /** {@link #efficiency(String, EngineMode, int, String, int, int)} for the real run {@code compute}. */
    private OptionalDouble efficiency(Run compute, int n, String exchange, int depth, int knobValue) {
        Run bytes = bytesPerExchange(compute).get(exchange);
        if (bytes == null) {
            return OptionalDouble.empty();
        }
        Prediction p = predict(compute, bytes, Scaling.WEAK, Network.TEN_GBIT, n,
                knobValue / (double) compute.computeKnobValue(), depth);
        // A fit whose byte terms its runs cannot tell apart may extrapolate below zero: no prediction then.
        return p.communicationMs() < 0 ? OptionalDouble.empty() : OptionalDouble.of(p.efficiency());
    }

    /**
     * The smallest compute knob value (k, or the per-replica minibatch), from the measured one up to
     * {@value #MAX_KNOB_MULTIPLE} times it, at which a preset and mode (float32, its depth) is predicted at least
     * {@code target} efficient at N; empty if none is.
     */
    OptionalInt knobFor(String preset, EngineMode mode, int n, double target) {
        Run compute = realReferences().get(preset + " " + mode.configName());
        return compute == null ? OptionalInt.empty() : knobFor(compute, n, target);
    }

    private OptionalInt knobFor(Run compute, int n, double target) {
        int measured = compute.computeKnobValue();
        for (int v = measured; v <= MAX_KNOB_MULTIPLE * measured; v++) {
            OptionalDouble e = efficiency(compute, n, "float32", compute.depth(), v);
            if (e.isEmpty()) {
                return OptionalInt.empty();
            }
            if (e.getAsDouble() >= target) {
                return OptionalInt.of(v);
            }
        }
        return OptionalInt.empty();
    }

    /** The table of what would lift each preset and mode to {@value #TARGET_EFFICIENCY} at 64 executors. */
    private String remedies() {
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "%n## What would make a round %.1f efficient "
                + "at 64 executors%n%nWeak scaling, 10 Gb/s, per preset and mode: the measured setting in float32, "
                + "then one change at a time: float16 payloads, another treeAggregate depth (the best of 1-4), and a "
                + "larger compute knob (parameter averaging: k local steps a round; gradient averaging: the "
                + "per-replica minibatch), which scales a round's compute and leaves its bytes alone. What more local "
                + "steps or a larger minibatch do to accuracy per epoch is not in this model (see "
                + "jobs/tune-outer.sh). na: no prediction, because the fit puts the communication below zero there "
                + "(runs of one preset only cannot tell its byte terms apart).%n%n", TARGET_EFFICIENCY));
        md.append("| preset, mode | measured | float32 | float16 | best depth | knob x2 | knob x4 | knob x8 "
                + "| smallest knob for ").append(TARGET_EFFICIENCY).append(" |\n|---|---|---|---|---|---|---|---|---|\n");
        int n = 64;
        for (Run r : realReferences().values()) {
            int v = r.computeKnobValue();
            OptionalDouble asMeasured = efficiency(r, n, "float32", r.depth(), v);
            int bestDepth = r.depth();
            double best = asMeasured.orElse(Double.NaN);
            for (int d = 1; d <= 4; d++) {
                double e = efficiency(r, n, "float32", d, v).orElse(Double.NaN);
                if (e > best || Double.isNaN(best)) {
                    best = e;
                    bestDepth = d;
                }
            }
            String knob = r.computeKnob();
            OptionalInt needed = knobFor(r, n, TARGET_EFFICIENCY);
            md.append(String.format(Locale.ROOT, "| %s %s | %s = %d, depth %d | %s | %s | %s (depth %d) | %s | %s | %s "
                            + "| %s |%n", r.preset(), r.mode().configName(), knob, v, r.depth(),
                    BenchmarkReport.fixed(asMeasured), BenchmarkReport.fixed(efficiency(r, n, "float16", r.depth(), v)),
                    Double.isNaN(best) ? "na" : String.format(Locale.ROOT, "%.3f", best), bestDepth,
                    knobCell(knob, 2 * v, efficiency(r, n, "float32", r.depth(), 2 * v)),
                    knobCell(knob, 4 * v, efficiency(r, n, "float32", r.depth(), 4 * v)),
                    knobCell(knob, 8 * v, efficiency(r, n, "float32", r.depth(), 8 * v)),
                    needed.isPresent() ? knob + " = " + needed.getAsInt()
                            : "none up to " + knob + " = " + MAX_KNOB_MULTIPLE * v));
        }
        return md.toString();
    }

    private static String knobCell(String knob, int value, OptionalDouble efficiency) {
        return knob + " = " + value + ": " + BenchmarkReport.fixed(efficiency);
    }

    /** The last line: {@code SCALING fit_err_n2=F fit_err_comm_n8=F eff64_vgg_pa=E eff64_lenet_ga=E}. */
    public String scalingLine() {
        return "SCALING fit_err_n2=" + BenchmarkReport.fixed(realErrorAtTwo()) + " fit_err_comm_n8=" + BenchmarkReport.fixed(communicationErrorAtEight())
                + " eff64_vgg_pa=" + BenchmarkReport.fixed(efficiency("vgg-mini", EngineMode.PARAMETER_AVERAGING, 64))
                + " eff64_lenet_ga=" + BenchmarkReport.fixed(efficiency("lenet", EngineMode.GRADIENT_AVERAGING, 64));
    }

    public String toText() {
        StringBuilder md = new StringBuilder("# Scaling: a cost model of a round, fitted and checked\n\n");
        md.append(machine.markdownLine()).append(" Communication-only runs measured on ").append(cores)
                .append(" cores.\n\n");
        md.append("A round takes `T(N) = C + W(N) + comm(N)`: one replica's compute C (measured in real runs), the wait "
                + "W(N) for the slowest of N replicas (normal compute times: σ·e(N)), and comm(N), fitted by least "
                + "squares to communication-only rounds (`engine.communication-only`: replicas skip forward and "
                + "backward, so a round is scheduling, broadcast and aggregation, and the little its replicas still "
                + "do: fetch the state, decode a minibatch, load it; the fit takes the round minus that work, the "
                + "span a real round's C + W(N) is timed over). Regressors: ")
                .append(String.join(", ", CostModel.REGRESSORS)).append(" (see io.dptrain.bench.CostModel).\n\n");
        md.append("Each run's figures are medians over its later half of rounds: the JVMs warm up for tens of rounds.\n\n");
        md.append("Two fits: executor JVMs (local-cluster and cluster masters; the predictions use it) and in-process "
                + "replicas (local[N], where broadcasts and results never leave the driver's JVM; it checks the local[2] "
                + "runs).\n");
        models.forEach((inProcess, m) -> md.append("\n## Fitted coefficients, ")
                .append(inProcess ? "in-process replicas (local[N])" : "executor JVMs").append("\n\n")
                .append(m.coefficientTable()));
        md.append("\n## Communication-only rounds: measured and fitted\n\n")
                .append("Model ms: the replicas' work plus the fitted communication. Error: of the round, against "
                        + "the fit of all runs of its kind of master; without the replicas' work: of the part the "
                        + "fit models alone. Held out: against a fit without "
                        + "any run of the row's shape (preset, mode, exchange), a prediction for bytes the fit never "
                        + "saw.\n\n")
                .append("| shape | master | depth | N | MB broadcast | MB sent per replica | measured ms (median) "
                        + "| replicas' work ms (slowest) | model ms | error | error without the replicas' work "
                        + "| held-out error |\n")
                .append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Run r : communication) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %.2f | %.2f | %.1f | %.1f | %.1f | %.3f | %.3f "
                            + "| %s |%n", r.shape(), r.master(), r.depth(), r.workers(), r.broadcastBytes() / 1e6,
                    r.sentBytesPerReplica() / 1e6, r.roundMs(), r.computeMsMax(), predictedRoundMs(r), roundError(r),
                    nonComputeError(r), BenchmarkReport.fixed(heldOutError(r))));
        }
        md.append(String.format(Locale.ROOT, "%nLargest error at N = 4: %s (held out: %s); at N = 8: %s (held out: "
                        + "%s).%n", BenchmarkReport.fixed(communicationErrorAt(4)),
                BenchmarkReport.fixed(heldOutErrorAt(4)), BenchmarkReport.fixed(communicationErrorAt(8)),
                BenchmarkReport.fixed(heldOutErrorAt(8))));
        md.append("\n## Real training rounds: measured and predicted\n\n")
                .append("The prediction takes the run's measured mean compute and spread (C, σ) and adds the fitted "
                        + "communication for its N and bytes, so it checks the communication part.\n\n")
                .append("| run | master | N | compute mean ms | slowest ms | measured round ms | predicted ms | error |\n")
                .append("|---|---|---|---|---|---|---|---|\n");
        for (Run r : real) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %d | %.1f | %.1f | %.1f | %.1f | %.3f |%n", r.shape(),
                    r.master(), r.workers(), r.computeMsMean(), r.computeMsMax(), r.roundMs(), predictedRoundMs(r),
                    roundError(r)));
        }
        md.append("\n## Predicted efficiency C / T\n\n")
                .append("Weak scaling: every replica keeps its minibatch. Strong scaling: the global minibatch of ")
                .append(STRONG_SCALING_REPLICAS).append(" replicas is split over N (compute taken as proportional to "
                        + "the examples). Loopback: the fitted costs on a cluster with a core per executor (no "
                        + "oversubscription). 10 Gb/s: plus the bytes on 10 Gb/s links (CostModel.transferMs).\n\n");
        md.append("| shape | scaling | network |");
        for (int n : PREDICTED_N) {
            md.append(" N=").append(n).append(" |");
        }
        md.append("\n|---|---|---|").append("---|".repeat(PREDICTED_N.length)).append('\n');
        Map<String, List<Prediction>> rows = new LinkedHashMap<>();
        for (Prediction p : predictions()) {
            rows.computeIfAbsent(p.shape() + " | " + p.scaling() + " | " + p.network(), k -> new ArrayList<>()).add(p);
        }
        rows.forEach((key, ps) -> {
            md.append("| ").append(key).append(" |");
            ps.forEach(p -> md.append(String.format(Locale.ROOT, " %.2f |", p.efficiency())));
            md.append('\n');
        });
        md.append(remedies());
        md.append("\nAssumptions, and where the model stops holding: compute per replica is the one measured on this "
                + "machine (a cluster's cores differ); replicas' compute times are normal and independent (a "
                + "straggling machine or GC pause is not); the driver's per-task and merge costs are this machine's "
                + "(a faster driver lowers them); links are full duplex and only receivers queue; Spark's "
                + "treeAggregate rule is 3.5's; beyond a few hundred tasks Spark's scheduler and the driver's memory "
                + "for F(N) vectors are outside what was measured.\n");
        md.append("\n").append(scalingLine()).append('\n');
        return md.toString();
    }

    /** Writes {@value #MARKDOWN_FILE} and {@value #CHART_FILE} (weak scaling, 10 Gb/s) into {@code dir}. */
    public void writeTo(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(MARKDOWN_FILE), toText(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the report into " + dir + " failed", e);
        }
        writeChart(dir.resolve(CHART_FILE));
    }

    private void writeChart(Path png) {
        System.setProperty("java.awt.headless", "true");
        XYSeriesCollection data = new XYSeriesCollection();
        for (Prediction p : predictions()) {
            if (p.scaling() == Scaling.WEAK && p.network() == Network.TEN_GBIT) {
                XYSeries series = data.getSeriesIndex(p.shape()) >= 0 ? data.getSeries(p.shape())
                        : addSeries(data, p.shape());
                series.add(p.workers(), p.efficiency());
            }
        }
        JFreeChart chart = ChartFactory.createXYLineChart("Predicted efficiency C/T (weak scaling, 10 Gb/s)",
                "executors N", "efficiency", data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        LogAxis n = new LogAxis("executors N");
        n.setBase(2);
        n.setTickUnit(new NumberTickUnit(1));
        n.setNumberFormatOverride(new java.text.DecimalFormat("0"));
        plot.setDomainAxis(n);
        plot.getRangeAxis().setRange(0, 1.02);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            boolean half = data.getSeriesKey(i).toString().endsWith("float16")
                    || data.getSeriesKey(i).toString().endsWith("bfloat16");
            renderer.setSeriesStroke(i, half ? new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f,
                    new float[]{6f, 4f}, 0f) : new BasicStroke(2f));
        }
        plot.setRenderer(renderer);
        try {
            ChartUtils.saveChartAsPNG(png.toFile(), chart, BenchmarkChart.WIDTH, BenchmarkChart.HEIGHT);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the chart " + png + " failed", e);
        }
    }

    private static XYSeries addSeries(XYSeriesCollection data, String name) {
        XYSeries series = new XYSeries(name, true);
        data.addSeries(series);
        return series;
    }
}
