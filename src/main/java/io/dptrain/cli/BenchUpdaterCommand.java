package io.dptrain.cli;

import io.dptrain.bench.UpdaterBenchmark;
import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import io.dptrain.model.Networks;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dptrain bench-updater}: the Adam step, DL4J's against dptrain's, on normal and subnormal state. */
@Command(name = "bench-updater", mixinStandardHelpOptions = true,
        description = {"Time the Adam step on the configuration's parameter count, as gradient averaging applies it "
                + "every round: DL4J's Adam (libnd4j's adam_updater op) against dptrain's VectorizedAdam, each on "
                + "normal floats and on a state with every tenth value subnormal, and one flush of subnormal values "
                + "(train.flush-subnormals-every). Then gradient averaging's whole apply of a summed gradient on the "
                + "configuration's network: DL4J's updater pipeline against dptrain's fused one-pass step.",
                "Prints each median with its 10th-90th percentiles and a last line 'SUMMARY adam_ms=X "
                        + "vectorized_ms=Y speedup=R subnormal_adam_ms=X subnormal_vectorized_ms=Y flush_ms=F "
                        + "apply_dl4j_ms=X apply_fused_ms=Y'. "
                        + "Needs no data. Run nothing else meanwhile: it measures time."})
final class BenchUpdaterCommand implements Callable<Integer> {
    @Option(names = "--conf", defaultValue = "conf/fashion-mnist-lenet.conf",
            description = "Configuration whose network sets the parameter count (default: ${DEFAULT-VALUE}).")
    Path conf;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Configuration overrides, as for train.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--threads", defaultValue = "1",
            description = "nd4j threads, >= 1 (default: ${DEFAULT-VALUE}: as each of two tasks on two cores runs).")
    int threads;

    @Option(names = "--warmup", defaultValue = "50",
            description = "Untimed steps first, >= 0 (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--steps", defaultValue = "300", description = "Timed steps, >= 1 (default: ${DEFAULT-VALUE}).")
    int steps;

    @Override
    public Integer call() {
        if (threads < 1 || warmup < 0 || steps < 1) {
            throw new IllegalArgumentException("--threads must be >= 1, --warmup >= 0 and --steps >= 1, got "
                    + threads + ", " + warmup + " and " + steps);
        }
        DptrainConfig config = ConfigLoader.load(conf, overrides);
        System.out.println(UpdaterBenchmark.run(config, threads, warmup, steps).toText());
        return 0;
    }
}
