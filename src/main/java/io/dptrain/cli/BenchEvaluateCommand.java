package io.dptrain.cli;

import io.dptrain.bench.EvaluationBenchmark;
import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import io.dptrain.model.NativeBuild;
import io.dptrain.engine.TrainingData;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dptrain bench-evaluate --conf conf/fashion-mnist-lenet.conf}: jobs/bench-eval.sh runs it. */
@Command(name = "bench-evaluate", mixinStandardHelpOptions = true,
        description = {"Time the per-epoch test evaluation: the former driver-side path (table collected to the "
                + "driver, scored there) against the distributed Evaluator, alternating, on the configuration's test "
                + "table and network.", "Prints each repeat's milliseconds, the medians and a last line "
                + "'SUMMARY eval_speedup=R ...' (driver median / distributed median)."})
final class BenchEvaluateCommand implements Callable<Integer> {
    @Option(names = "--conf", defaultValue = "conf/fashion-mnist-lenet.conf",
            description = "Configuration: its data.test table and model (default: ${DEFAULT-VALUE}).")
    Path conf;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Configuration overrides, as for train.")
    List<String> overrides = new java.util.ArrayList<>();

    @Option(names = "--repeats", defaultValue = "5", description = "Evaluations per path, >= 1 (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--driver-threads", defaultValue = "1",
            description = "nd4j threads of the driver-side path: 1 is what a local-mode training run left the driver "
                    + "with (its tasks set spark.task.cpus process-wide), the core count its best case "
                    + "(default: ${DEFAULT-VALUE}).")
    int driverThreads;

    @Option(names = "--batch-size", defaultValue = "512",
            description = "Examples per forward pass of the distributed path (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Override
    public Integer call() {
        DptrainConfig config = ConfigLoader.load(conf, overrides);
        NativeBuild.select(config); // before Spark or anything else loads nd4j
        if (driverThreads < 1) {
            throw new IllegalArgumentException("--driver-threads must be >= 1, got " + driverThreads);
        }
        SparkSession spark = SparkSessions.get("dptrain bench-evaluate", config.spark().master());
        EvaluationBenchmark.Result result = EvaluationBenchmark.run(TrainingData.read(spark, config.data().test()),
                config, repeats, driverThreads, batchSize);
        System.out.print(result.toText());
        return 0;
    }
}
