package io.dptrain.config;

/**
 * The enumerated choices of the configuration. Each constant is spelled in the .conf files by the rule
 * of {@link Named} ({@code CLIP_L2_NORM} is "clip-l2-norm"), so renaming a constant renames the setting:
 * ChoicesTest pins every spelling.
 */
public final class Choices {
    private Choices() {
    }

    /**
     * Network presets (see io.dptrain.model.Networks): image classifiers (mlp, lenet, vgg-mini) and
     * text classifiers over token-id sequences (rnn, lstm).
     */
    public enum Preset implements Named {
        MLP, LENET, VGG_MINI, RNN, LSTM
    }

    /** Floating-point precision of the network. */
    public enum Precision implements Named {
        FLOAT, DOUBLE
    }

    /**
     * How the lstm preset turns its per-step outputs into one vector per sequence: the output at the
     * last real (unmasked) step, or the maximum or mean over the real steps; padding never counts.
     */
    public enum SequencePooling implements Named {
        LAST, MAX, AVG
    }

    /** Hidden-unit nonlinearity of the mlp preset (sigmoid is the lecture's unit). */
    public enum Activation implements Named {
        SIGMOID, RELU, TANH
    }

    /** Optimizer applied to each (averaged) gradient. */
    public enum Updater implements Named {
        SGD, NESTEROV, ADAM
    }

    /** Gradient clipping against exploding gradients: none, element-wise, or per-layer L2 norm. */
    public enum Clipping implements Named {
        NONE, CLIP_VALUE, CLIP_L2_NORM
    }

    /** Training loss of the output layer. */
    public enum Loss implements Named {
        MCXENT, NEGATIVE_LOG_LIKELIHOOD, MSE
    }

    /** Parameter averaging: whether the updater state is averaged with the parameters or kept per replica. */
    public enum UpdaterState implements Named {
        AVERAGED, PER_REPLICA
    }

    /** Which trainer runs: the single-process reference or one of the distributed engines. */
    public enum EngineMode implements Named {
        PARAMETER_AVERAGING, GRADIENT_AVERAGING, SINGLE_PROCESS, DL4J_SPARK;

        /** dptrain's own distributed engines (rounds, checkpoints, exchange formats): parameter and gradient averaging. */
        public boolean roundEngine() {
            return this == PARAMETER_AVERAGING || this == GRADIENT_AVERAGING;
        }
    }

    /** Parameter averaging: the driver's outer step on the averaged delta (SlowMo, DiLoCo). */
    public enum OuterOptimizer implements Named {
        NONE, MOMENTUM, NESTEROV
    }

    /** The number format of what replicas send each round (parameter deltas or gradients). */
    public enum Exchange implements Named {
        FLOAT32, FLOAT16, BFLOAT16
    }

    /**
     * Where the round engines keep the training shards between rounds (see io.dptrain.engine.Shards):
     * decoded in executor memory (fastest; the table must fit), or serialized in their stored form and
     * spilled to the executors' local disk when storage memory runs out, or on disk only.
     */
    public enum ShardStorage implements Named {
        MEMORY, MEMORY_AND_DISK, DISK
    }

    /** How gradient averaging's learning rate follows the number of workers (its batch is N times larger). */
    public enum LearningRateScaling implements Named {
        NONE, LINEAR, SQRT
    }
}
