package io.dptrain.engine.spark;

import io.dptrain.Trainer;
import io.dptrain.config.DptrainConfig;
import io.dptrain.engine.SingleProcessTrainer;
import org.apache.spark.sql.SparkSession;

/** Picks the trainer that {@code dptrain.engine.mode} names. */
public final class Trainers {
    private Trainers() {
    }

    /** A new trainer for {@code config}: the single-process reference or one of the Spark engines. */
    public static Trainer create(SparkSession spark, DptrainConfig config) {
        return switch (config.engine().mode()) {
            case SINGLE_PROCESS -> new SingleProcessTrainer(config);
            case PARAMETER_AVERAGING, GRADIENT_AVERAGING -> new SparkTrainer(spark, config);
            case DL4J_SPARK -> new Dl4jSparkTrainer(spark, config);
        };
    }
}
