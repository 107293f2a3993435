package io.dptrain.engine;

import io.dptrain.RoundMetrics;
import io.dptrain.RunPlan;
import io.dptrain.TrainingListener;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Stops the run when a round's loss is NaN or infinite, with an exception that names the round and
 * what to try, carrying the last good parameters.
 *
 * <p>A round's loss is measured at the parameters the round started from (DL4J scores a minibatch
 * before applying its update), so a finite loss in round r vouches for the parameters after round
 * r-1, not for those after round r. The check therefore keeps two copies: the parameters after the
 * previous round, and the last ones a finite loss vouched for.
 */
public final class DivergenceCheck implements TrainingListener {
    private INDArray previous;
    private INDArray lastGood;

    @Override
    public void onStart(RunPlan plan) {
        previous = null;
        lastGood = null;
    }

    @Override
    public void onRound(RoundMetrics metrics, MultiLayerNetwork model) {
        if (!Double.isFinite(metrics.loss())) {
            throw new DivergenceException("training diverged at round " + metrics.round() + " (epoch "
                    + metrics.epoch() + "): loss is " + metrics.loss() + ". Try a lower dptrain.train.learning-rate, "
                    + "dptrain.train.gradient-clipping = clip-l2-norm, or a smaller batch; the parameters of the "
                    + "last good round are kept in the exception", metrics.round(), lastGood);
        }
        if (previous != null) {
            INDArray swap = lastGood;
            lastGood = previous;
            previous = swap;
        }
        if (previous == null) {
            previous = model.params().dup();
        } else {
            previous.assign(model.params());
        }
    }
}
