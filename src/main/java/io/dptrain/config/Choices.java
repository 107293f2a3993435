package io.dptrain.config;

/** The enumerated choices of the configuration, each spelled as in the .conf files. */
public final class Choices {
    private Choices() {
    }

    /**
     * Network presets (see io.dptrain.model.Networks): image classifiers (mlp, lenet, vgg-mini) and
     * text classifiers over token-id sequences (rnn, lstm).
     */
    public enum Preset implements Named {
        MLP("mlp"), LENET("lenet"), VGG_MINI("vgg-mini"), RNN("rnn"), LSTM("lstm");

        private final String name;

        Preset(String name) {
            this.name = name;
        }

        @Override
        public String configName() {
            return name;
        }
    }

    /** Floating-point precision of the network. */
    public enum Precision implements Named {
        FLOAT("float"), DOUBLE("double");

        private final String name;

        Precision(String name) {
            this.name = name;
        }

        @Override
        public String configName() {
            return name;
        }
    }

    /**
     * How the lstm preset turns its per-step outputs into one vector per sequence: the output at the
     * last real (unmasked) step, or the maximum or mean over the real steps; padding never counts.
     */
    public enum SequencePooling implements Named {
        LAST("last"), MAX("max"), AVG("avg");

        private final String name;

        SequencePooling(String name) {
            this.name = name;
        }

        @Override
        public String configName() {
            return name;
        }
    }

    /** Hidden-unit nonlinearity of the mlp preset (sigmoid is the lecture's unit). */
    public enum Activation implements Named {
        SIGMOID("sigmoid"), RELU("relu"), TANH("tanh");

        private final String name;

        Activation(String name) {
            this.name = name;
        }

        @Override
        public String configName() {
            return name;
        }
    }

    /** Optimizer applied to each (averaged) gradient. */
    public enum Updater implements Named {
        SGD("sgd"), NESTEROV("nesterov"), ADAM("adam");

        private final String name;

        Updater(String name) {
            this.name = name;
        }

        @Override
        public String configName() {
            return name;
        }
    }

    /** Gradient clipping against exploding gradients: none, element-wise, or per-layer L2 norm. */
    public enum Clipping implements Named {
        NONE("none"), CLIP_VALUE("clip-value"), CLIP_L2_NORM("clip-l2-norm");

        private final String name;

        Clipping(String name) {
            this.name = name;
        }

        @Override
        public String configName() {
            return name;
        }
    }

    /** Training loss of the output layer. */
    public enum Loss implements Named {
        MCXENT("mcxent"), NEGATIVE_LOG_LIKELIHOOD("negative-log-likelihood"), MSE("mse");

        private final String name;

        Loss(String name) {
            this.name = name;
        }

        @Override
        public String configName() {
            return name;
        }
    }

    /** Parameter averaging: whether the updater state is averaged with the parameters or kept per replica. */
    public enum UpdaterState implements Named {
        AVERAGED("averaged"), PER_REPLICA("per-replica");

        private final String name;

        UpdaterState(String name) {
            this.name = name;
        }

        @Override
        public String configName() {
            return name;
        }
    }

    /** Which trainer runs: the single-process reference or one of the distributed engines. */
    public enum EngineMode implements Named {
        PARAMETER_AVERAGING("parameter-averaging"), GRADIENT_AVERAGING("gradient-averaging"),
        SINGLE_PROCESS("single-process"), DL4J_SPARK("dl4j-spark");

        private final String name;

        EngineMode(String name) {
            this.name = name;
        }

        @Override
        public String configName() {
            return name;
        }
    }
}
