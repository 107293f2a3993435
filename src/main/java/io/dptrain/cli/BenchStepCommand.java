package io.dptrain.cli;

import io.dptrain.bench.StepBenchmark;
import io.dptrain.config.Choices.Preset;
import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import io.dptrain.model.NativeBuild;
import io.dptrain.engine.TrainingData;
import io.dptrain.model.Networks;
import io.dptrain.model.SequenceOutputs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.nd4j.linalg.dataset.DataSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dptrain bench-step --conf conf/fashion-mnist-lenet.conf}: jobs/bench-step.sh runs it. */
@Command(name = "bench-step", mixinStandardHelpOptions = true,
        description = {"Time one replica's training step (fit on one minibatch, 1 nd4j thread, as a task runs it) "
                + "for the configuration's network on the first rows of its training table, decoded once.",
                "Prints the step's median and spread, Java heap allocated per step, GC share, the helpers each layer "
                        + "got, and a last line 'STEP preset=P label=L median_ms=M ex_s=X ...'."})
final class BenchStepCommand implements Callable<Integer> {
    @Option(names = "--conf", defaultValue = "conf/fashion-mnist-lenet.conf",
            description = "Configuration: its data.train table, model and train settings (default: ${DEFAULT-VALUE}).")
    Path conf;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Configuration overrides, as for train.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--label", defaultValue = "configured",
            description = "Name of these settings in the output (default: ${DEFAULT-VALUE}).")
    String label;

    @Option(names = "--batches", defaultValue = "16",
            description = "Distinct minibatches stepped on, cycled, >= 1 (default: ${DEFAULT-VALUE}).")
    int batches;

    @Option(names = "--warmup", defaultValue = "15", description = "Untimed steps first, >= 0 (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--steps", defaultValue = "60", description = "Timed steps, >= 1 (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--profile", paramLabel = "FILE.jfr",
            description = "After the timed steps, as many again under a Java Flight Recorder recording written to this"
                    + " file, and print where their time went: per phase, layer and operation.")
    Path profile;

    @Option(names = "--no-platform-helpers",
            description = "Switch nd4j's platform helpers off (Environment.allowHelpers(false)): libnd4j's ops then "
                    + "never use oneDNN, even in the -onednn build.")
    boolean noPlatformHelpers;

    @Option(names = "--workspace-mode", defaultValue = "ENABLED",
            description = "Trial: DL4J's training workspace mode, ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE},"
                    + " what training uses).")
    WorkspaceMode workspaceMode;

    @Option(names = "--cache-mode", defaultValue = "NONE",
            description = "Trial: DL4J's cache mode, ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}, what training"
                    + " uses).")
    CacheMode cacheMode;

    @Option(names = "--image-layout", defaultValue = "NCHW",
            description = "Trial: the lenet and vgg-mini layers' activation layout, ${COMPLETION-CANDIDATES}; NHWC "
                    + "feeds channels-last minibatches (default: ${DEFAULT-VALUE}, what training uses).")
    CNN2DFormat imageLayout;

    @Option(names = "--samediff",
            description = "Trial: the lenet or lstm preset written as a SameDiff graph, SameDiff.fit per step, "
                    + "instead of the MultiLayerNetwork (the other trial options do not apply).")
    boolean sameDiff;

    @Override
    public Integer call() {
        if (noPlatformHelpers) {
            org.nd4j.linalg.factory.Nd4j.getEnvironment().allowHelpers(false);
        }
        if (batches < 1) {
            throw new IllegalArgumentException("--batches must be >= 1, got " + batches);
        }
        DptrainConfig config = ConfigLoader.load(conf, overrides);
        Preset preset = config.model().preset();
        StepBenchmark.Trial trial = new StepBenchmark.Trial(workspaceMode, cacheMode, imageLayout);
        if (sameDiff && !trial.equals(StepBenchmark.Trial.SHIPPED)) {
            throw new IllegalArgumentException("--samediff takes none of the other trial options, got " + trial);
        }
        if (imageLayout != CNN2DFormat.NCHW && preset != Preset.LENET && preset != Preset.VGG_MINI) {
            throw new IllegalArgumentException("--image-layout " + imageLayout + " applies to the lenet and vgg-mini "
                    + "presets only, got dptrain.model.preset = " + preset.configName());
        }
        NativeBuild.select(config); // before Spark or anything else loads nd4j
        int rows = batches * config.train().batchSize();
        List<String> limited = new ArrayList<>(overrides);
        limited.add("data.train-limit=" + rows);
        DptrainConfig sliced = ConfigLoader.load(conf, limited);
        // The rows are read by an in-process Spark of one core, which is idle while the steps are timed.
        SparkSession spark = SparkSessions.get("dptrain bench-step", "local[1]");
        Dataset<Row> table = TrainingData.checked(TrainingData.read(spark, config.data().train()), sliced);
        List<DataSet> minibatches = SequenceOutputs.forTraining(TrainingData.collect(table, config)
                .minibatches(config.train().batchSize(), Networks.dataType(config)), config);
        // Only full minibatches: a short last one would time a different step.
        List<DataSet> full = minibatches.stream()
                .filter(b -> b.numExamples() == config.train().batchSize()).toList();
        if (full.isEmpty()) {
            throw new IllegalArgumentException("the training table " + config.data().train() + " has fewer than "
                    + config.train().batchSize() + " rows (one minibatch)");
        }
        List<DataSet> batches = imageLayout == CNN2DFormat.NCHW ? full
                : full.stream().map(b -> StepBenchmark.channelsLast(b, config.data())).toList();
        StepBenchmark.Result result = sameDiff
                ? StepBenchmark.runSameDiff(config, label, batches, warmup, steps, profile)
                : StepBenchmark.run(config, label, batches, warmup, steps, profile, trial);
        System.out.print(result.toText());
        return 0;
    }
}
