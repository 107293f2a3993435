package io.dptrain.engine;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Training diverged: the loss became NaN or infinite. Carries the last parameters whose round had a
 * finite loss, so a caller can keep them.
 */
public final class DivergenceException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient INDArray lastGoodParameters;
    private final int round;

    public DivergenceException(String message, int round, INDArray lastGoodParameters) {
        super(message);
        this.round = round;
        this.lastGoodParameters = lastGoodParameters;
    }

    /** The round whose loss was not finite. */
    public int round() {
        return round;
    }

    /**
     * Flat parameters that a finite loss vouched for: those the last finite round started from.
     * Null when round 1 or 2 diverged (the initial parameters are not kept).
     */
    public INDArray lastGoodParameters() {
        return lastGoodParameters;
    }
}
