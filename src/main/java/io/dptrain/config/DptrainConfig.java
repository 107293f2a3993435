package io.dptrain.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import io.dptrain.config.Choices.Activation;
import io.dptrain.config.Choices.Clipping;
import io.dptrain.config.Choices.EngineMode;
import io.dptrain.config.Choices.Exchange;
import io.dptrain.config.Choices.LearningRateScaling;
import io.dptrain.config.Choices.OuterOptimizer;
import io.dptrain.config.Choices.Loss;
import io.dptrain.config.Choices.Precision;
import io.dptrain.config.Choices.Preset;
import io.dptrain.config.Choices.SequencePooling;
import io.dptrain.config.Choices.ShardStorage;
import io.dptrain.config.Choices.Updater;
import io.dptrain.config.Choices.UpdaterState;
import io.dptrain.json.Json;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The whole configuration of a run: immutable and validated on construction. Each section is a
 * record whose compact constructor checks its fields; keys are documented in docs/CONFIG.md and
 * listed with their defaults in {@code reference.conf}. Load it with {@link ConfigLoader}.
 */
public record DptrainConfig(Data data, Model model, Training train, Engine engine, Spark spark, Output output,
                            Checkpoint checkpoint) implements Serializable {

    /** Prefix of every key. */
    public static final String ROOT = "dptrain";

    /**
     * Checks the rules that span sections: truncated BPTT takes several updater steps per minibatch, which
     * gradient averaging (one gradient, one step per round) cannot reproduce and dl4j-spark is not checked for;
     * the exchange format and shard storage are the round engines', and learning-rate scaling gradient
     * averaging's with a known number of workers. The outer optimizer, like local-steps, is parameter
     * averaging's and other modes ignore it, so that a configuration tuned for parameter averaging
     * (conf/fashion-mnist-lenet.conf) still runs single-process or gradient averaging for comparison.
     */
    public DptrainConfig {
        int tbptt = model.tbpttLength();
        if (tbptt > 0 && (engine.mode() == EngineMode.GRADIENT_AVERAGING || engine.mode() == EngineMode.DL4J_SPARK)) {
            throw new ConfigException("dptrain.engine.mode = " + engine.mode().configName() + " is not allowed with "
                    + model.tbpttKey() + " = " + tbptt + "; allowed: parameter-averaging or single-process (truncated "
                    + "BPTT takes one updater step per segment, gradient averaging one per round), or set "
                    + model.tbpttKey() + " = 0");
        }
        EngineMode mode = engine.mode();
        if (engine.exchange() != Exchange.FLOAT32 && !mode.roundEngine()) {
            throw new ConfigException("dptrain.engine.exchange = " + engine.exchange().configName() + " is not "
                    + "allowed with dptrain.engine.mode = " + mode.configName() + "; allowed: float32, or "
                    + "engine.mode = parameter-averaging or gradient-averaging");
        }
        if (engine.communicationOnly() && !mode.roundEngine()) {
            throw new ConfigException("dptrain.engine.communication-only = true is not allowed with "
                    + "dptrain.engine.mode = " + mode.configName() + "; allowed: false, or engine.mode = "
                    + "parameter-averaging or gradient-averaging (it measures their rounds)");
        }
        if (engine.shardStorage() != ShardStorage.MEMORY && !mode.roundEngine()) {
            throw new ConfigException("dptrain.engine.shard-storage = " + engine.shardStorage().configName()
                    + " is not allowed with dptrain.engine.mode = " + mode.configName() + "; allowed: memory, or "
                    + "engine.mode = parameter-averaging or gradient-averaging (the engines that read shards "
                    + "per round)");
        }
        if (engine.roundsPerJob() > 1 && engine.shardStorage() != ShardStorage.MEMORY) {
            throw new ConfigException("dptrain.engine.rounds-per-job = " + engine.roundsPerJob() + " is not allowed "
                    + "with dptrain.engine.shard-storage = " + engine.shardStorage().configName() + " (spilled shards "
                    + "are read by one job per round); allowed: rounds-per-job = 1, or shard-storage = memory");
        }
        if (train.timeBudgetSeconds() > 0 && mode == EngineMode.DL4J_SPARK) {
            throw new ConfigException("dptrain.train.time-budget-seconds = " + train.timeBudgetSeconds()
                    + " is not allowed with dptrain.engine.mode = dl4j-spark; allowed: 0 (no budget), or another mode");
        }
        if (train.learningRateScaling() != LearningRateScaling.NONE
                && (mode != EngineMode.GRADIENT_AVERAGING || engine.workers() < 1)) {
            throw new ConfigException("dptrain.train.learning-rate-scaling = "
                    + train.learningRateScaling().configName() + " needs dptrain.engine.mode = gradient-averaging "
                    + "and dptrain.engine.workers >= 1 (it multiplies the rate by a function of the workers); got "
                    + mode.configName() + " with " + engine.workers() + " workers");
        }
    }

    /**
     * Every key with its value, sorted by key, as a run's settings table shows them: keys as in
     * reference.conf ({@code dptrain.train.learning-rate}), lists as {@code [a,b]}, an empty string as
     * {@code ""}.
     */
    public SortedMap<String, String> settings() {
        SortedMap<String, String> settings = new TreeMap<>();
        flatten(ROOT, Json.MAPPER.valueToTree(this), settings);
        return settings;
    }

    /** Record components are the camelCase forms of the keys (learningRate: learning-rate). */
    private static void flatten(String key, JsonNode node, Map<String, String> out) {
        if (node.isObject()) {
            node.fields().forEachRemaining(field -> flatten(key + "." + field.getKey()
                    .replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT), field.getValue(), out));
        } else if (node.isTextual()) {
            out.put(key, node.asText().isEmpty() ? "\"\"" : node.asText());
        } else {
            out.put(key, node.toString());
        }
    }

    /** Builds the configuration from a resolved HOCON tree rooted at {@code dptrain}. */
    static DptrainConfig from(Config c) {
        return new DptrainConfig(Data.from(c.getConfig("data")), Model.from(c.getConfig("model")),
                Training.from(c.getConfig("train")), Engine.from(c.getConfig("engine")),
                new Spark(c.getString("spark.master")),
                new Output(c.getString("output.dir"), c.getBoolean("output.overwrite"), c.getBoolean("output.report")),
                new Checkpoint(c.getString("checkpoint.dir"), c.getInt("checkpoint.every-rounds"),
                        c.getInt("checkpoint.keep")));
    }

    /**
     * Where the prepared tables are and the shape every example must have.
     *
     * @param validationRows held out of the training table (the first rows of its seeded order) and
     *                       evaluated after every epoch instead of the test table; 0 = none
     * @param vocabularySize text presets: token ids run 0..vocabularySize-1, with 0 the padding and 1 the
     *                       unknown word; a larger vocabulary knows more words but adds
     *                       {@code embedding-size} parameters per word
     * @param maxLength      text presets: tokens per sequence, longer texts cut and shorter ones padded (and
     *                       masked); longer sequences keep more of each text but cost time linearly
     * @param vocabulary     text runs: the vocabulary file {@code dptrain prepare} wrote; it is checked
     *                       against the tables and saved with the model for prediction ("" for images)
     */
    public record Data(String train, String test, int height, int width, int channels, int classes, int trainLimit,
                       int validationRows, int vocabularySize, int maxLength, String vocabulary) implements Serializable {
        public Data {
            Check.nonBlank("dptrain.data.train", train);
            Check.nonBlank("dptrain.data.test", test);
            Check.atLeast("dptrain.data.height", height, 1);
            Check.atLeast("dptrain.data.width", width, 1);
            Check.atLeast("dptrain.data.channels", channels, 1);
            Check.atLeast("dptrain.data.classes", classes, 2);
            Check.atLeast("dptrain.data.train-limit", trainLimit, 0);
            Check.atLeast("dptrain.data.validation-rows", validationRows, 0);
            Check.atLeast("dptrain.data.vocabulary-size", vocabularySize, 3);
            Check.atLeast("dptrain.data.max-length", maxLength, 1);
            java.util.Objects.requireNonNull(vocabulary, "dptrain.data.vocabulary");
        }

        static Data from(Config c) {
            return new Data(c.getString("train"), c.getString("test"), c.getInt("height"), c.getInt("width"),
                    c.getInt("channels"), c.getInt("classes"), c.getInt("train-limit"), c.getInt("validation-rows"),
                    c.getInt("vocabulary-size"),
                    c.getInt("max-length"), c.getString("vocabulary"));
        }
    }

    /** The network: a preset, its precision and the sizes of each preset. */
    public record Model(Preset preset, Precision dataType, boolean onednnHelpers, Mlp mlp, LeNet lenet, VggMini vggMini, Rnn rnn, Lstm lstm)
            implements Serializable {
        /** The preset's truncated-BPTT segment length; 0 = full BPTT (always for the image presets). */
        public int tbpttLength() {
            return switch (preset) {
                case RNN -> rnn.tbpttLength();
                case LSTM -> lstm.tbpttLength();
                default -> 0;
            };
        }

        /** The key of {@link #tbpttLength()} for messages. */
        public String tbpttKey() {
            return "dptrain.model." + (preset == Preset.LSTM ? "lstm" : "rnn") + ".tbptt-length";
        }

        static Model from(Config c) {
            return new Model(Check.oneOf("dptrain.model.preset", c.getString("preset"), Preset.class),
                    Check.oneOf("dptrain.model.data-type", c.getString("data-type"), Precision.class),
                    c.getBoolean("onednn-helpers"),
                    new Mlp(c.getIntList("mlp.hidden"),
                            Check.oneOf("dptrain.model.mlp.activation", c.getString("mlp.activation"), Activation.class)),
                    new LeNet(c.getInt("lenet.conv1-filters"), c.getInt("lenet.conv2-filters"), c.getInt("lenet.dense")),
                    new VggMini(c.getIntList("vgg-mini.block-filters"), c.getInt("vgg-mini.convs-per-block"),
                            c.getIntList("vgg-mini.dense"), c.getBoolean("vgg-mini.batch-norm"),
                            c.getDouble("vgg-mini.dropout")),
                    new Rnn(c.getInt("rnn.embedding-size"), c.getInt("rnn.hidden-size"), c.getInt("rnn.tbptt-length")),
                    new Lstm(c.getInt("lstm.embedding-size"), c.getInt("lstm.hidden-size"), c.getInt("lstm.layers"),
                            c.getBoolean("lstm.bidirectional"),
                            Check.oneOf("dptrain.model.lstm.pooling", c.getString("lstm.pooling"),
                                    SequencePooling.class),
                            c.getDouble("lstm.dropout"), c.getInt("lstm.tbptt-length")));
        }
    }

    /** Fully connected net: hidden layer sizes (may be empty: softmax regression) and their unit. */
    public record Mlp(List<Integer> hidden, Activation activation) implements Serializable {
        public Mlp {
            hidden = Check.allAtLeast("dptrain.model.mlp.hidden", hidden, 1, true);
        }
    }

    /** LeNet: conv 5x5 (conv1Filters) - pool - conv 5x5 (conv2Filters) - pool - dense - softmax. */
    public record LeNet(int conv1Filters, int conv2Filters, int dense) implements Serializable {
        public LeNet {
            Check.atLeast("dptrain.model.lenet.conv1-filters", conv1Filters, 1);
            Check.atLeast("dptrain.model.lenet.conv2-filters", conv2Filters, 1);
            Check.atLeast("dptrain.model.lenet.dense", dense, 1);
        }
    }

    /** VGG-style stack: blocks of 3x3 same convs + ReLU, each ending in 2x2 max-pool, then dense layers. */
    public record VggMini(List<Integer> blockFilters, int convsPerBlock, List<Integer> dense, boolean batchNorm,
                          double dropout) implements Serializable {
        public VggMini {
            blockFilters = Check.allAtLeast("dptrain.model.vgg-mini.block-filters", blockFilters, 1, false);
            Check.atLeast("dptrain.model.vgg-mini.convs-per-block", convsPerBlock, 1);
            dense = Check.allAtLeast("dptrain.model.vgg-mini.dense", dense, 1, true);
            if (!(dropout >= 0 && dropout < 1)) {
                throw new ConfigException("dptrain.model.vgg-mini.dropout must be in [0, 1), got " + dropout);
            }
        }
    }

    /**
     * Simple recurrent text classifier: embedding, one tanh cell {@code h_t = tanh(W [x_t; h_{t-1}] + b)}, the
     * state at the last real token, softmax.
     *
     * @param embeddingSize units of each word vector
     * @param hiddenSize    units of the state h_t; more remember more but train slower
     * @param tbpttLength   0 = full backpropagation through time; L > 0 = truncated BPTT in segments of L steps
     *                      (the net then ends in a per-step output, loss only at the last real step): cheaper
     *                      per update on long texts, but no gradient reaches back more than L steps
     */
    public record Rnn(int embeddingSize, int hiddenSize, int tbpttLength) implements Serializable {
        public Rnn {
            Check.atLeast("dptrain.model.rnn.embedding-size", embeddingSize, 1);
            Check.atLeast("dptrain.model.rnn.hidden-size", hiddenSize, 1);
            Check.atLeast("dptrain.model.rnn.tbptt-length", tbpttLength, 0);
        }
    }

    /**
     * LSTM text classifier: embedding, {@code layers} stacked LSTM layers (each optionally bidirectional), one
     * vector per sequence by {@code pooling}, softmax.
     *
     * @param embeddingSize units of each word vector
     * @param hiddenSize    units of each LSTM layer (per direction when bidirectional)
     * @param layers        stacked LSTM layers; deeper stacks model more but train slower
     * @param bidirectional also read each sequence backwards and concatenate both directions: about 2x the cost
     * @param pooling       last real step, or max / mean over the real steps
     * @param dropout       probability of dropping each input unit of every LSTM layer in training, in [0, 1)
     * @param tbpttLength   as {@link Rnn#tbpttLength()}; L > 0 needs pooling = last and no bidirectional layers
     */
    public record Lstm(int embeddingSize, int hiddenSize, int layers, boolean bidirectional, SequencePooling pooling,
                       double dropout, int tbpttLength) implements Serializable {
        public Lstm {
            Check.atLeast("dptrain.model.lstm.embedding-size", embeddingSize, 1);
            Check.atLeast("dptrain.model.lstm.hidden-size", hiddenSize, 1);
            Check.atLeast("dptrain.model.lstm.layers", layers, 1);
            if (!(dropout >= 0 && dropout < 1)) {
                throw new ConfigException("dptrain.model.lstm.dropout must be in [0, 1), got " + dropout);
            }
            Check.atLeast("dptrain.model.lstm.tbptt-length", tbpttLength, 0);
            if (tbpttLength > 0 && (bidirectional || pooling != SequencePooling.LAST)) {
                throw new ConfigException("dptrain.model.lstm.tbptt-length = " + tbpttLength + " is not allowed with "
                        + "dptrain.model.lstm.bidirectional = " + bidirectional + " and dptrain.model.lstm.pooling = "
                        + pooling.configName() + "; allowed: 0, or L > 0 with bidirectional = false and pooling = last "
                        + "(truncated BPTT runs forward in segments, so it cannot read backwards or pool a whole text)");
            }
        }
    }

    /** Optimization: epochs, batch size, updater, regularization, clipping, loss and seed. */
    public record Training(int epochs, int batchSize, Updater updater, double learningRate,
                           double learningRateDecay, double momentum, double l2, Clipping gradientClipping,
                           double gradientClippingThreshold, Loss loss, long seed, int progressEvery,
                           int warmupRounds, LearningRateScaling learningRateScaling, double timeBudgetSeconds,
                           int flushSubnormalsEvery, boolean vectorizedAdam)
            implements Serializable {
        public Training {
            Check.atLeast("dptrain.train.warmup-rounds", warmupRounds, 0);
            Check.atLeast("dptrain.train.flush-subnormals-every", flushSubnormalsEvery, 0);
            if (!(timeBudgetSeconds >= 0 && Double.isFinite(timeBudgetSeconds))) {
                throw new ConfigException("dptrain.train.time-budget-seconds = " + timeBudgetSeconds
                        + " is not allowed; allowed: >= 0 (0 = no budget)");
            }
            Check.atLeast("dptrain.train.epochs", epochs, 1);
            Check.atLeast("dptrain.train.batch-size", batchSize, 1);
            Check.positive("dptrain.train.learning-rate", learningRate);
            if (!(learningRateDecay > 0 && learningRateDecay <= 1)) {
                throw new ConfigException("dptrain.train.learning-rate-decay = " + learningRateDecay
                        + " is not allowed; allowed: > 0 and <= 1 (1 = a constant learning rate)");
            }
            Check.range("dptrain.train.momentum", momentum, 0, 1);
            Check.range("dptrain.train.l2", l2, 0, 1);
            Check.positive("dptrain.train.gradient-clipping-threshold", gradientClippingThreshold);
            Check.atLeast("dptrain.train.progress-every", progressEvery, 0);
        }

        static Training from(Config c) {
            return new Training(c.getInt("epochs"), c.getInt("batch-size"),
                    Check.oneOf("dptrain.train.updater", c.getString("updater"), Updater.class),
                    c.getDouble("learning-rate"), c.getDouble("learning-rate-decay"), c.getDouble("momentum"),
                    c.getDouble("l2"),
                    Check.oneOf("dptrain.train.gradient-clipping", c.getString("gradient-clipping"), Clipping.class),
                    c.getDouble("gradient-clipping-threshold"),
                    Check.oneOf("dptrain.train.loss", c.getString("loss"), Loss.class),
                    c.getLong("seed"), c.getInt("progress-every"), c.getInt("warmup-rounds"),
                    Check.oneOf("dptrain.train.learning-rate-scaling", c.getString("learning-rate-scaling"),
                            LearningRateScaling.class), c.getDouble("time-budget-seconds"),
                    c.getInt("flush-subnormals-every"), c.getBoolean("vectorized-adam"));
        }
    }

    /**
     * Which trainer runs the job and how the distributed ones synchronize.
     *
     * @param mode             the trainer
     * @param workers          replicas in parallel; 0 = Spark's default parallelism
     * @param localSteps       parameter averaging: minibatch steps per replica per round (k); more
     *                         steps amortize communication but let replicas drift apart
     * @param updaterState     parameter averaging: average the updater state or keep it per replica
     * @param aggregationDepth treeAggregate depth; deeper trees relieve the driver with many workers
     * @param outer            parameter averaging: the driver's outer step on the averaged delta
     * @param exchange         the number format replicas send their deltas or gradients in
     * @param shardStorage     round engines: where shards wait between rounds; memory is fastest, the
     *                         spilling levels let the table exceed the executors' memory at the cost
     *                         of reading and decoding each round's minibatches again
     * @param communicationOnly benchmarks: replicas skip forward and backward and send what they would
     *                         send, so rounds measure communication alone (the model does not learn)
     * @param roundsPerJob     round engines: rounds one Spark job runs; 1 = a job per round (the driver sums);
     *                         more = one barrier job whose tasks exchange their contributions with each other
     *                         every round (see io.dptrain.engine.spark.BarrierRounds)
     */
    public record Engine(EngineMode mode, int workers, int localSteps, UpdaterState updaterState,
                         int aggregationDepth, Outer outer, Exchange exchange, ShardStorage shardStorage,
                         boolean communicationOnly, int roundsPerJob)
            implements Serializable {
        public Engine {
            Check.atLeast("dptrain.engine.workers", workers, 0);
            Check.atLeast("dptrain.engine.local-steps", localSteps, 1);
            Check.atLeast("dptrain.engine.aggregation-depth", aggregationDepth, 1);
            java.util.Objects.requireNonNull(outer, "outer");
            java.util.Objects.requireNonNull(exchange, "exchange");
            java.util.Objects.requireNonNull(shardStorage, "shardStorage");
            Check.atLeast("dptrain.engine.rounds-per-job", roundsPerJob, 1);
        }

        static Engine from(Config c) {
            return new Engine(Check.oneOf("dptrain.engine.mode", c.getString("mode"), EngineMode.class),
                    c.getInt("workers"), c.getInt("local-steps"),
                    Check.oneOf("dptrain.engine.updater-state", c.getString("updater-state"), UpdaterState.class),
                    c.getInt("aggregation-depth"), Outer.from(c.getConfig("outer")),
                    Check.oneOf("dptrain.engine.exchange", c.getString("exchange"), Exchange.class),
                    Check.oneOf("dptrain.engine.shard-storage", c.getString("shard-storage"), ShardStorage.class),
                    c.getBoolean("communication-only"), c.getInt("rounds-per-job"));
        }
    }

    /**
     * The outer optimizer of parameter averaging (SlowMo, Wang et al. 2019; DiLoCo, Douillard et al.
     * 2023): the averaged delta {@code Δ = θ − mean(θ_replicas)} is a pseudo-gradient and the driver
     * steps {@code m ← μ·m + Δ; θ ← θ − η·m} (momentum) or {@code θ ← θ − η·(Δ + μ·m)} (nesterov).
     * {@code none}, or η = 1 with μ = 0, is plain averaging.
     *
     * @param optimizer    none, momentum or nesterov
     * @param learningRate η, > 0
     * @param momentum     μ, in [0, 1)
     */
    public record Outer(OuterOptimizer optimizer, double learningRate, double momentum) implements Serializable {
        public Outer {
            Check.positive("dptrain.engine.outer.learning-rate", learningRate);
            if (!(momentum >= 0 && momentum < 1)) {
                throw new ConfigException("dptrain.engine.outer.momentum = " + momentum
                        + " is not allowed; allowed: >= 0 and < 1");
            }
        }

        static Outer from(Config c) {
            return new Outer(Check.oneOf("dptrain.engine.outer.optimizer", c.getString("optimizer"),
                    OuterOptimizer.class), c.getDouble("learning-rate"), c.getDouble("momentum"));
        }
    }

    /** Spark settings for runs that start their own session (not spark-submit). */
    public record Spark(String master) implements Serializable {
        public Spark {
            Check.nonBlank("dptrain.spark.master", master);
        }
    }

    /**
     * Where a run writes its model, provenance and metrics.
     *
     * @param report also write report.html: charts of the run, its headline numbers, settings and
     *               per-class metrics in one self-contained page (drawing the charts takes a second or so)
     */
    public record Output(String dir, boolean overwrite, boolean report) implements Serializable {
        public Output {
            Check.nonBlank("dptrain.output.dir", dir);
        }
    }

    /**
     * Checkpoints of the round engines (see io.dptrain.checkpoint).
     *
     * @param dir         folder, any Hadoop URI or local path; "" = no checkpoints
     * @param everyRounds write after every N-th round (and at each epoch end); smaller loses less work
     *                    on a crash but writes more
     * @param keep        newest checkpoints kept; more than one leaves a fallback if the newest is damaged
     */
    public record Checkpoint(String dir, int everyRounds, int keep) implements Serializable {
        public Checkpoint {
            java.util.Objects.requireNonNull(dir, "dptrain.checkpoint.dir");
            Check.atLeast("dptrain.checkpoint.every-rounds", everyRounds, 1);
            Check.atLeast("dptrain.checkpoint.keep", keep, 1);
        }

        /** Whether checkpoints are written. */
        public boolean enabled() {
            return !dir.isBlank();
        }
    }
}
