package io.dptrain.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.dptrain.RoundMetrics;
import io.dptrain.config.Choices.EngineMode;
import io.dptrain.report.EpochEvaluation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scaling report on run folders whose round times a known cost model made. */
class ScalingReportTest {
    private static final double[] TRUTH = {25, 2, 15, 4, 3, 1.5};
    /** In-process replicas (local[N]): cheaper, nothing crosses a process boundary. */
    private static final double[] TRUTH_LOCAL = {8, 1, 5, 1, 0.5, 0.5};
    private static final double LENET_BYTES = 1.724e6;
    private static final double VGG_BYTES = 0.9e6;

    @TempDir
    Path tmp;

    /** Round time of the true model on this 2-core machine, executor JVMs. */
    private static double truth(int n, double broadcast, double sent) {
        return truth(TRUTH, n, broadcast, sent);
    }

    private static double truth(double[] beta, int n, double broadcast, double sent) {
        double[] x = CostModel.regressors(n, broadcast, sent, Math.max(1, n / 2.0), 2);
        double y = 0;
        for (int i = 0; i < x.length; i++) {
            y += beta[i] * x[i];
        }
        return y;
    }

    private Path run(String name, String preset, String mode, String exchange, int n, String master,
                     boolean communicationOnly, double broadcast, double sent, double computeMean,
                     double computeMax, double roundMs) throws IOException {
        List<RoundMetrics> rounds = new ArrayList<>();
        for (int r = 1; r <= 10; r++) {
            rounds.add(new RoundMetrics(r, 1, 0.5, 64L * n, Math.round(computeMax), computeMean, 5, 5, 5,
                    (long) broadcast, (long) (sent * n), Math.round(roundMs)));
        }
        return RunFolders.write(tmp.resolve(name), List.of("model.preset=" + preset, "engine.mode=" + mode,
                        "engine.exchange=" + exchange, "engine.workers=" + n,
                        "engine.communication-only=" + communicationOnly), master, 640,
                // as TrainJob writes them: a communication-only run's epochs are not evaluated
                communicationOnly ? List.of() : List.of(new EpochEvaluation.Point(1, 0.5, 1000)), 1000, rounds);
    }

    /**
     * Communication-only runs whose replicas still work a preset-dependent time (fetch, decode, load: here
     * {@code work} ms, slower when replicas share cores) on top of the true model's communication.
     */
    private Path communicationRun(String name, String preset, String mode, String exchange, int n, double broadcast,
                                  double sent, double work) throws IOException {
        double slowest = work * Math.max(1, n / 2.0);
        return run(name, preset, mode, exchange, n, "local-cluster[" + n + ",1,1024]", true, broadcast, sent,
                0.8 * slowest, slowest, slowest + truth(n, broadcast, sent));
    }

    private List<Path> runs() throws IOException {
        List<Path> dirs = new ArrayList<>();
        for (int n : new int[]{1, 2, 4, 8}) {
            for (String mode : List.of("parameter-averaging", "gradient-averaging")) {
                for (String exchange : List.of("float32", "float16")) {
                    double lenetSent = exchange.equals("float32") ? LENET_BYTES : LENET_BYTES / 2;
                    dirs.add(communicationRun("lenet-" + mode + "-" + exchange + "-" + n, "lenet", mode, exchange, n,
                            LENET_BYTES, lenetSent, 10));
                }
            }
            dirs.add(communicationRun("vgg-" + n, "vgg-mini", "parameter-averaging", "float32", n, VGG_BYTES,
                    VGG_BYTES, 80));
            for (double[] bytes : new double[][]{{LENET_BYTES, LENET_BYTES}, {LENET_BYTES, LENET_BYTES / 2},
                {VGG_BYTES, VGG_BYTES}}) {
                dirs.add(run("local-" + bytes[0] + "-" + bytes[1] + "-" + n, "lenet", "gradient-averaging", "float32", n,
                        "local[" + n + "]", true, bytes[0], bytes[1], 1, 1, 1 + truth(TRUTH_LOCAL, n, bytes[0], bytes[1])));
            }
        }
        // Real runs at N = 2: compute 300 ms mean, 320 slowest; the round as the model says
        double lenetRound = 320 + truth(TRUTH_LOCAL, 2, LENET_BYTES, LENET_BYTES);
        dirs.add(run("lenet-ga-real", "lenet", "gradient-averaging", "float32", 2, "local[2]", false, LENET_BYTES,
                LENET_BYTES, 300, 320, lenetRound));
        dirs.add(run("vgg-pa-real", "vgg-mini", "parameter-averaging", "float32", 2, "local[2]", false, VGG_BYTES,
                VGG_BYTES, 2000, 2050, 2050 + truth(TRUTH_LOCAL, 2, VGG_BYTES, VGG_BYTES) * 1.05));
        return dirs;
    }

    @Test
    void fitsTheRoundsItWasGivenAndChecksTheRealRuns() throws IOException {
        ScalingReport report = ScalingReport.read(runs(), 2);

        // round times are whole milliseconds, so the fit is close, not exact; the replicas' own work (8x as long
        // for the vgg runs as for lenet's) is the measured part of the prediction, not a fitted cost
        assertThat(report.communicationErrorAtEight().orElseThrow()).isLessThan(0.03);
        // a fit that never saw a shape's bytes predicts them: executor JVMs have five shapes; the in-process runs,
        // all of one shape, have none left to fit when it is held out
        assertThat(report.heldOutErrorAt(8).orElseThrow()).isLessThan(0.03);
        assertThat(report.heldOutErrorAt(4).orElseThrow()).isLessThan(0.03);
        assertThat(report.model().measuredMachineMs(4, 3e6, 1e6, 2)).isCloseTo(truth(4, 3e6, 1e6), within(1.0));
        // the vgg run is 5% of its communication slower than the model: a small error on the whole round
        double vggComm = truth(TRUTH_LOCAL, 2, VGG_BYTES, VGG_BYTES);
        assertThat(report.realErrorAtTwo().orElseThrow())
                .isCloseTo(0.05 * vggComm / (2050 + 1.05 * vggComm), within(1e-3));
    }

    @Test
    void weakScalingEfficiencyFallsWithNAndStaysAFraction() throws IOException {
        ScalingReport report = ScalingReport.read(runs(), 2);

        double previous = 1.01;
        for (int n : ScalingReport.PREDICTED_N) {
            double e = report.efficiency("lenet", EngineMode.GRADIENT_AVERAGING, n).orElseThrow();
            assertThat(e).isBetween(0.0, 1.0).isLessThan(previous);
            previous = e;
        }
        assertThat(report.efficiency("vgg-mini", EngineMode.PARAMETER_AVERAGING, 64).orElseThrow())
                .as("2 s of compute per round against tens of ms of communication")
                .isGreaterThan(report.efficiency("lenet", EngineMode.GRADIENT_AVERAGING, 64).orElseThrow());
        assertThat(report.efficiency("lstm", EngineMode.GRADIENT_AVERAGING, 64)).as("no lstm runs").isEmpty();
    }

    @Test
    void findsTheSmallestComputeKnobThatReachesTheTargetEfficiency() throws IOException {
        ScalingReport report = ScalingReport.read(runs(), 2);
        EngineMode ga = EngineMode.GRADIENT_AVERAGING;
        // any efficiency reaches 0: the measured minibatch, which predicts what the plain prediction does
        int measured = report.knobFor("lenet", ga, 64, 0.0).orElseThrow();
        double asMeasured = report.efficiency("lenet", ga, 64).orElseThrow();
        assertThat(report.efficiency("lenet", ga, 64, "float32", 2, measured).orElseThrow())
                .isCloseTo(asMeasured, within(1e-12));
        assertThat(asMeasured).as("the synthetic lenet round at 64 executors").isLessThan(0.8);

        int needed = report.knobFor("lenet", ga, 64, 0.8).orElseThrow();
        assertThat(report.efficiency("lenet", ga, 64, "float32", 2, needed).orElseThrow()).isGreaterThanOrEqualTo(0.8);
        assertThat(report.efficiency("lenet", ga, 64, "float32", 2, needed - 1).orElseThrow()).isLessThan(0.8);
        assertThat(report.efficiency("lenet", ga, 64, "float32", 2, 2 * measured).orElseThrow())
                .as("more compute a round, same bytes").isGreaterThan(asMeasured);
        assertThat(report.knobFor("lstm", ga, 64, 0.8)).as("no lstm runs").isEmpty();
    }

    @Test
    void writesTheReportTheChartAndTheScalingLine() throws IOException {
        ScalingReport report = ScalingReport.read(runs(), 2);
        Path out = tmp.resolve("report");

        report.writeTo(out);

        String text = Files.readString(out.resolve(ScalingReport.MARKDOWN_FILE));
        String last = text.strip().lines().reduce((a, b) -> b).orElseThrow();
        assertThat(last).matches("SCALING fit_err_n2=\\d\\.\\d{3} fit_err_comm_n8=\\d\\.\\d{3} "
                + "eff64_vgg_pa=\\d\\.\\d{3} eff64_lenet_ga=\\d\\.\\d{3}");
        assertThat(text).contains("| lenet gradient-averaging float16 | weak | 10 Gb/s |")
                .contains("## What would make a round 0.8 efficient at 64 executors")
                .containsPattern("\\| lenet gradient-averaging \\| batch = \\d+, depth 2 \\|");
        assertThat(Files.size(out.resolve(ScalingReport.CHART_FILE))).isGreaterThan(5_000);
    }

    @Test
    void singleProcessRunsAreRejectedNamingTheFolder() throws IOException {
        List<Path> dirs = new ArrayList<>(runs());
        Path single = RunFolders.write(tmp.resolve("single"), List.of("engine.mode=single-process"), "local[2]", 640,
                List.of(new EpochEvaluation.Point(1, 0.5, 1000)), 1000,
                List.of(new RoundMetrics(1, 1, 0.5, 64, 10, 10, 0, 0, 0, 0, 0, 10)));
        dirs.add(single);
        assertThatThrownBy(() -> ScalingReport.read(dirs, 2)).hasMessageContaining(single.toString())
                .hasMessageContaining("single-process");
    }

    @Test
    void withoutCommunicationOnlyRunsOnExecutorJvmsThereIsNothingToPredictClustersWith() throws IOException {
        List<Path> local = runs().stream().filter(d -> !d.getFileName().toString().startsWith("lenet-")
                && !d.getFileName().toString().startsWith("vgg-")).toList();
        assertThatThrownBy(() -> ScalingReport.read(local, 2)).hasMessageContaining("no communication-only runs with "
                + "executor JVMs");
    }
}
