package io.dptrain.engine;

import io.dptrain.RoundMetrics;
import io.dptrain.RunPlan;
import io.dptrain.TrainingListener;
import io.dptrain.TrainingResult;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.ArrayList;
import java.util.List;

/** Calls a list of listeners in the order they were added. */
public final class TrainerListeners implements TrainingListener {
    private final List<TrainingListener> listeners = new ArrayList<>();

    public void add(TrainingListener listener) {
        listeners.add(java.util.Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public void onStart(RunPlan plan) {
        listeners.forEach(l -> l.onStart(plan));
    }

    @Override
    public void onRound(RoundMetrics metrics, MultiLayerNetwork model) {
        listeners.forEach(l -> l.onRound(metrics, model));
    }

    @Override
    public void onEpochEnd(int epoch, MultiLayerNetwork model) {
        listeners.forEach(l -> l.onEpochEnd(epoch, model));
    }

    @Override
    public void onEnd(TrainingResult result) {
        listeners.forEach(l -> l.onEnd(result));
    }
}
