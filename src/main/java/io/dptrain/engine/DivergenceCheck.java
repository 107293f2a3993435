package io.dptrain.engine;

import io.dptrain.RoundMetrics;
import io.dptrain.RunPlan;
import io.dptrain.TrainingListener;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Stops the run when a round's loss is NaN or infinite, with an exception that names the round and
 * what to try. Keeps a copy of the parameters after every good round (one flat vector: cheap next
 * to a round's compute), handed over in the {@link DivergenceException}.
 */
public final class DivergenceCheck implements TrainingListener {
    private INDArray lastGood;

    @Override
    public void onStart(RunPlan plan) {
        lastGood = null;
    }

    @Override
    public void onRound(RoundMetrics metrics, MultiLayerNetwork model) {
        if (Double.isFinite(metrics.loss())) {
            if (lastGood == null) {
                lastGood = model.params().dup();
            } else {
                lastGood.assign(model.params());
            }
            return;
        }
        throw new DivergenceException("training diverged at round " + metrics.round() + " (epoch " + metrics.epoch()
                + "): loss is " + metrics.loss() + ". Try a lower dptrain.train.learning-rate, "
                + "dptrain.train.gradient-clipping = clip-l2-norm, or a smaller batch; the parameters of the "
                + "last good round are kept in the exception", metrics.round(), lastGood);
    }
}
