package io.dptrain.engine;

import io.dptrain.Trainer;
import io.dptrain.config.DptrainConfig;

/** Picks the trainer that {@code dptrain.engine.mode} names. */
public final class Trainers {
    private Trainers() {
    }

    public static Trainer create(DptrainConfig config) {
        return switch (config.engine().mode()) {
            case SINGLE_PROCESS -> new SingleProcessTrainer(config);
        };
    }
}
