package io.dptrain.cli;

import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import io.dptrain.model.NativeBuild;
import io.dptrain.job.TrainJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code dptrain train --conf FILE [--set key=value ...] [--resume]}. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a network as the configuration says; writes model.zip, provenance.json, metrics.jsonl.")
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--conf", description = "HOCON configuration file (keys: docs/CONFIG.md). Defaults alone when omitted.")
    Path conf;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one key, e.g. --set train.epochs=2 (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--resume", description = "Continue from the newest valid checkpoint in dptrain.checkpoint.dir "
            + "(round engines only); without one it is an error.")
    boolean resume;

    @Override
    public Integer call() {
        DptrainConfig config = ConfigLoader.load(conf, overrides);
        NativeBuild.select(config); // before Spark or anything else loads nd4j
        TrainJob.Result result = TrainJob.run(SparkSessions.get("dptrain train", config.spark().master()), config,
                resume);
        System.out.println(result.provenance().test().toText());
        System.out.printf(Locale.ROOT, "trained %s (%s) in %.1f s at %.0f examples/s; model in %s%n",
                config.model().preset().configName(), config.engine().mode().configName(),
                result.training().trainMillis() / 1000.0, result.training().examplesPerSecond(), config.output().dir());
        System.out.printf(Locale.ROOT, "test accuracy: %.4f%n", result.provenance().test().accuracy());
        return 0;
    }
}
