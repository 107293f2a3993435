package io.dptrain.bench;

import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.linear.SingularMatrixException;
import org.apache.commons.math3.stat.regression.OLSMultipleLinearRegression;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a round engine's round costs besides compute, as a function of the replicas N and the bytes
 * moved, fitted by least squares to communication-only rounds (engine.communication-only: replicas
 * skip forward and backward, so a round is scheduling, broadcast and aggregation alone). A round is
 * {@code T(N) = C + W(N) + S(N) + B(N, M) + A(N, M)}; the fitted part is the last three, as
 * {@code comm(N) = Σ β_i x_i} over these regressors:
 * <ol>
 *   <li>{@code 1}: the fixed cost of a Spark job (submit, stage, result handling on the driver);</li>
 *   <li>{@code N}: per task (serialize, launch, status update: the driver handles them one by one);</li>
 *   <li>{@code L(N)}: treeAggregate's intermediate stages ({@link TreeShape}, each one more stage);</li>
 *   <li>{@code MB broadcast}: the driver serializing the state it broadcasts;</li>
 *   <li>{@code (MB broadcast + MB sent per replica) x O(N)}: each replica fetching and deserializing the
 *   broadcast and serializing its result. Replicas do this in parallel, one per core, so it grows with
 *   the oversubscription {@code O(N) = max(1, N / cores)} of the measuring machine (8 executors on 2
 *   cores take turns) and stays flat on a cluster with a core per executor;</li>
 *   <li>{@code MB sent per replica x F(N)}: the driver deserializing and merging the F(N) partial sums
 *   treeAggregate hands it.</li>
 * </ol>
 * {@code C} is one replica's compute per round and {@code W(N)} the wait for the slowest of N
 * replicas: with per-round compute times spread normally with deviation σ, the expected maximum of N
 * exceeds their mean by {@code σ · e(N)}, e(N) the expected maximum of N standard normals. On a network of a given speed the bytes also travel: {@link #transferMs} adds them
 * to the fitted loopback costs.
 */
public final class CostModel {
    /** The regressors' names, in order. */
    public static final List<String> REGRESSORS = List.of("1", "N", "L(N)", "MB broadcast",
            "(MB broadcast + MB sent) x O(N)", "MB sent x F(N)");

    private static final int REGRESSOR_COUNT = 6;
    private static final double MB = 1e6;
    private final double[] beta;
    private final int cores;

    /** One measured round shape: N replicas, bytes broadcast and sent per replica, the median round time. */
    public record Sample(String label, int workers, double broadcastBytes, double sentBytesPerReplica, double roundMs,
                         int depth) {
    }

    private CostModel(double[] beta, int cores) {
        this.beta = beta;
        this.cores = cores;
    }

    /**
     * Least squares over {@code samples} (more than the regressors; runs at several depths tell the tree's
     * stages apart from the oversubscription, which both grow at N = 8 with depth 2).
     *
     * @param cores cores of the machine the samples were measured on (for O(N))
     */
    public static CostModel fit(List<Sample> samples, int cores) {
        if (samples.size() <= REGRESSOR_COUNT) {
            throw new IllegalArgumentException("a fit of " + REGRESSOR_COUNT + " terms needs more than "
                    + REGRESSOR_COUNT + " communication-only runs; got " + samples.size());
        }
        double[] y = new double[samples.size()];
        double[][] x = new double[samples.size()][];
        for (int i = 0; i < samples.size(); i++) {
            Sample s = samples.get(i);
            y[i] = s.roundMs();
            x[i] = regressors(s.workers(), s.broadcastBytes(), s.sentBytesPerReplica(), Math.max(1, s.workers()
                    / (double) cores), s.depth());
        }
        // A column R's diagonal leaves below this is collinear with the others (regressors are of order 1 to 100).
        OLSMultipleLinearRegression ols = new OLSMultipleLinearRegression(1e-8);
        ols.setNoIntercept(true); // the first regressor is the constant
        ols.newSampleData(y, x);
        try {
            return new CostModel(ols.estimateRegressionParameters(), cores);
        } catch (SingularMatrixException e) {
            throw new IllegalArgumentException("the " + samples.size() + " communication-only runs do not tell the "
                    + "terms " + REGRESSORS + " apart: add runs at other N (1, 2, 4, 8), with other byte counts "
                    + "(presets, engine modes, exchange formats) or at another engine.aggregation-depth", e);
        }
    }

    static double[] regressors(int n, double broadcastBytes, double sentBytes, double oversubscription, int depth) {
        TreeShape tree = TreeShape.of(n, depth);
        return new double[]{1, n, tree.levels(), broadcastBytes / MB,
            (broadcastBytes + sentBytes) / MB * oversubscription, sentBytes / MB * tree.driverFanIn()};
    }

    /** The fitted coefficients, in the order of {@link #REGRESSORS} (ms per unit). */
    public double[] coefficients() {
        return beta.clone();
    }

    /** Non-compute round time on the measuring machine (its cores, loopback), ms. */
    public double measuredMachineMs(int n, double broadcastBytes, double sentBytes, int depth) {
        return dot(regressors(n, broadcastBytes, sentBytes, Math.max(1, n / (double) cores), depth));
    }

    /**
     * Non-compute round time on a cluster with a core per executor (no oversubscription), loopback-fast
     * links, ms: the fitted costs with {@code O(N) = 1}.
     */
    public double clusterMs(int n, double broadcastBytes, double sentBytes, int depth) {
        return dot(regressors(n, broadcastBytes, sentBytes, 1, depth));
    }

    /**
     * Time the bytes of a round spend on links of {@code bytesPerSecond} (what loopback does not
     * show), ms. Assumptions: full-duplex links, a receiver takes one vector at a time at link speed,
     * senders do not share links. Broadcast (Spark's torrent broadcast): holders double every block
     * time, so {@code ceil(log2(N + 1))} times the state. Aggregation: an intermediate reducer receives
     * its {@code scale} partial sums one after another, per level, then the driver its F(N).
     */
    public static double transferMs(int n, double broadcastBytes, double sentBytes, int depth, double bytesPerSecond) {
        TreeShape tree = TreeShape.of(n, depth);
        double hops = Math.ceil(Math.log(n + 1) / Math.log(2));
        double vectorsReceived = tree.levels() * tree.scale() + tree.driverFanIn();
        return 1000 * (broadcastBytes * hops + sentBytes * vectorsReceived) / bytesPerSecond;
    }

    /**
     * The expected maximum of N independent standard normal variables, {@code ∫ x N φ(x) Φ(x)^(N-1) dx}
     * (by the trapezoid rule on [-8, 8], once per N), 0 for N = 1: how far the slowest of N replicas' compute
     * times lies above their mean, in deviations.
     */
    public static double expectedMaxOfNormals(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("N must be >= 1, got " + n);
        }
        return n == 1 ? 0 : EXPECTED_MAX.computeIfAbsent(n, CostModel::integrateExpectedMax);
    }

    private static final Map<Integer, Double> EXPECTED_MAX = new ConcurrentHashMap<>();

    private static double integrateExpectedMax(int n) {
        NormalDistribution normal = new NormalDistribution();
        int steps = 8_000;
        double h = 16.0 / steps;
        double sum = 0;
        for (int i = 0; i <= steps; i++) {
            double x = -8 + i * h;
            double f = x * n * normal.density(x) * Math.pow(normal.cumulativeProbability(x), n - 1);
            sum += (i == 0 || i == steps) ? f / 2 : f;
        }
        return sum * h;
    }

    /** The coefficients as a markdown table. */
    public String coefficientTable() {
        StringBuilder md = new StringBuilder("| regressor | coefficient (ms per unit) |\n|---|---|\n");
        for (int i = 0; i < beta.length; i++) {
            md.append("| ").append(REGRESSORS.get(i)).append(" | ")
                    .append(String.format(Locale.ROOT, "%.3f", beta[i])).append(" |\n");
        }
        return md.toString();
    }

    private double dot(double[] x) {
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            sum += beta[i] * x[i];
        }
        return sum;
    }

    /**
     * How Spark 3.5's {@code RDD.treeAggregate(…, depth)} combines N partitions: with
     * {@code scale = max(ceil(N^(1/depth)), 2)}, while {@code n > scale + ceil(n / scale)} it adds a
     * stage that folds into {@code n / scale} partitions; the driver then merges what is left.
     *
     * @param levels      intermediate stages
     * @param scale       partitions each intermediate partition folds
     * @param driverFanIn partial sums the driver deserializes and merges
     */
    public record TreeShape(int levels, int scale, int driverFanIn) {
        public static TreeShape of(int n, int depth) {
            if (n < 1 || depth < 1) {
                throw new IllegalArgumentException("N and depth must be >= 1, got N = " + n + ", depth = " + depth);
            }
            int scale = Math.max((int) Math.ceil(Math.pow(n, 1.0 / depth)), 2);
            int partitions = n;
            int levels = 0;
            while (partitions > scale + Math.ceil(partitions / (double) scale)) {
                partitions /= scale;
                levels++;
            }
            return new TreeShape(levels, scale, partitions);
        }
    }
}
