package io.dptrain.engine.spark;

import org.nd4j.linalg.factory.Nd4j;

/**
 * Executor side: nd4j's OpenMP and BLAS thread counts follow {@code spark.task.cpus}, so that N
 * concurrent tasks on N cores do not each start N threads and fight over the cores (measured:
 * two 1-thread replicas beat one 2-thread network). The settings are process-wide in nd4j, which is
 * right because every task of an executor has the same spark.task.cpus; they are set at the start of
 * every task (cheap), which covers local[N] (driver JVM = executor) and cluster executors alike.
 */
public final class Nd4jThreads {
    private static volatile int current = -1;

    private Nd4jThreads() {
    }

    /** Sets nd4j's OpenMP and BLAS threads to {@code cpus} (process-wide), unless they already are. */
    public static void use(int cpus) {
        if (cpus != current) {
            synchronized (Nd4jThreads.class) {
                if (cpus != current) {
                    Nd4j.getEnvironment().setMaxThreads(cpus);
                    Nd4j.getEnvironment().setMaxMasterThreads(cpus);
                    Nd4j.factory().blas().setMaxThreads(cpus);
                    current = cpus;
                }
            }
        }
    }
}
