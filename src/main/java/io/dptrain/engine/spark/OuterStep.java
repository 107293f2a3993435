package io.dptrain.engine.spark;

import io.dptrain.config.Choices.OuterOptimizer;
import io.dptrain.config.DptrainConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * Parameter averaging's outer optimizer on the driver (SlowMo, Wang et al. 2019; DiLoCo, Douillard
 * et al. 2023). The round's averaged delta {@code Δ = θ − θ̄} (broadcast minus the replicas' weighted
 * mean) is a pseudo-gradient: {@code m ← μ·m + Δ}, then {@code θ ← θ − η·m} (momentum) or
 * {@code θ ← θ − η·(Δ + μ·m)} (nesterov).
 *
 * <p>The step is computed as {@code θ̄ + (Δ − η·s)} with {@code s} the step direction, the same value
 * as {@code θ − η·s} in exact arithmetic; written this way {@code none}, and η = 1 with μ = 0, give
 * θ̄ bit for bit (Δ − 1·Δ is exactly 0), so the outer step changes nothing it should not.
 * Driver-only: the momentum buffer {@code m} lives here and goes into checkpoints.
 */
final class OuterStep {
    private final OuterOptimizer optimizer;
    private final double learningRate;
    private final double momentum;
    private INDArray buffer;

    OuterStep(DptrainConfig.Outer outer) {
        this.optimizer = outer.optimizer();
        this.learningRate = outer.learningRate();
        this.momentum = outer.momentum();
    }

    /** Whether the step needs the delta (else the parameters simply become the average). */
    boolean active() {
        return optimizer != OuterOptimizer.NONE;
    }

    /**
     * Sets {@code params} (θ, the broadcast parameters) to their next value.
     *
     * @param averaged θ̄, the replicas' weighted mean (may be overwritten)
     * @param delta    Δ = θ − θ̄ (may be overwritten); ignored when not {@link #active()}
     */
    void apply(INDArray params, INDArray averaged, INDArray delta) {
        if (!active()) {
            params.assign(averaged);
            return;
        }
        if (buffer == null) {
            buffer = delta.ulike().assign(0);
        } else if (!Arrays.equals(buffer.shape(), delta.shape())) {
            buffer = buffer.reshape(delta.shape()); // restored from a checkpoint as a flat vector
        }
        buffer.muli(momentum).addi(delta);
        INDArray direction = optimizer == OuterOptimizer.NESTEROV ? buffer.mul(momentum).addi(delta) : buffer;
        params.assign(averaged.addi(delta.subi(direction.mul(learningRate))));
    }

    /** The momentum buffer (null before the first step or without an outer optimizer), for checkpoints. */
    INDArray momentumBuffer() {
        return buffer;
    }

    /** Continues from a checkpoint's momentum buffer (null: none yet). */
    void restore(INDArray momentumBuffer) {
        if (momentumBuffer != null && !active()) {
            throw new IllegalArgumentException("the checkpoint holds an outer momentum buffer but "
                    + "dptrain.engine.outer.optimizer = none");
        }
        buffer = momentumBuffer == null ? null : momentumBuffer.dup();
    }
}
