package io.dptrain.engine.spark;

import io.dptrain.model.NativeBuild;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.nd4j.linalg.factory.Nd4j;

/**
 * nd4j's thread counts in tasks follow {@code spark.task.cpus}, so that N concurrent tasks on N cores
 * do not each start N threads and fight over the cores (measured: two 1-thread replicas beat one
 * 2-thread network); the driver's own nd4j work (evaluation, the gradient-averaging updater step)
 * keeps the driver's setting.
 *
 * <p>What nd4j allows (1.0.0-M2, nd4j-native, measured): two counts can change at run time, the
 * threads one op splits into ({@code Environment.maxMasterThreads}) and OpenBLAS's threads
 * ({@code Blas.setMaxThreads}); both are process-wide, there is no per-thread setting. nd4j's own
 * thread pool is sized once at start-up ({@code Environment.maxThreads}, from {@code OMP_NUM_THREADS}
 * or the core count) and {@code setMaxThreads} leaves it as it is, so it is not touched here.
 *
 * <p>So the rule depends on the JVM a task runs in:
 * <ul>
 *   <li>An executor JVM that is not the driver's (a cluster, local-cluster): the counts are set to
 *   {@code spark.task.cpus} by the first task and kept; every task of the application asks for the
 *   same value and the JVM runs nothing else.</li>
 *   <li>The driver's JVM ({@code local[N]}): while at least one task runs, the counts are the tasks'
 *   {@code spark.task.cpus}; when the last running task completes, the values found when the first
 *   started are restored. The driver thread waits on the round's job meanwhile, and Spark completes a
 *   task before it reports the result, so the driver's work between rounds always runs with its own
 *   setting. The trade-off: another driver thread doing nd4j work while tasks run (a second fit in a
 *   notebook, at its combine step) gets the tasks' count for that while; and the counts are switched
 *   twice per round (a few native calls).</li>
 * </ul>
 */
public final class Nd4jThreads {
    /** The executor id of the driver's JVM (Spark's SparkContext.DRIVER_IDENTIFIER, private to Spark). */
    private static final String DRIVER_EXECUTOR_ID = "driver";
    private static final Object LOCK = new Object();
    private static volatile int executorCpus = -1;
    /** Tasks running in the driver's JVM inside {@link #forTask}, and the counts to restore after them. */
    private static int tasksInDriver;
    private static Counts driverCounts;

    private Nd4jThreads() {
    }

    /**
     * Runs the rest of {@code task} with {@code spark.task.cpus} nd4j threads (see the class comment
     * for the driver's JVM). Does nothing outside a task ({@code task} null).
     */
    public static void forTask(TaskContext task) {
        if (task == null) {
            return;
        }
        NativeBuild.load(); // not on a task thread: see there
        int cpus = task.cpus();
        SparkEnv env = SparkEnv.get();
        if (env == null || !DRIVER_EXECUTOR_ID.equals(env.executorId())) {
            if (cpus != executorCpus) {
                synchronized (LOCK) {
                    new Counts(cpus, cpus).apply();
                    executorCpus = cpus;
                }
            }
            return;
        }
        synchronized (LOCK) {
            if (tasksInDriver++ == 0) {
                driverCounts = Counts.current();
            }
            new Counts(cpus, cpus).apply();
        }
        task.addTaskCompletionListener((TaskContext t) -> {
            synchronized (LOCK) {
                if (--tasksInDriver == 0) {
                    driverCounts.apply();
                    driverCounts = null;
                }
            }
        });
    }

    /**
     * Sets this JVM's own nd4j threads (the driver's setting, e.g. for a benchmark) to {@code threads};
     * tasks running in this JVM at the time keep theirs and restore this when they end.
     */
    public static void use(int threads) {
        synchronized (LOCK) {
            Counts counts = new Counts(threads, threads);
            if (tasksInDriver > 0) {
                driverCounts = counts;
            } else {
                counts.apply();
            }
        }
    }

    /** The two counts nd4j lets a running process change. */
    record Counts(int opThreads, int blasThreads) implements java.io.Serializable {
        static Counts current() {
            return new Counts(Nd4j.getEnvironment().maxMasterThreads(), Nd4j.factory().blas().getMaxThreads());
        }

        void apply() {
            Nd4j.getEnvironment().setMaxMasterThreads(opThreads);
            Nd4j.factory().blas().setMaxThreads(blasThreads);
        }
    }
}
