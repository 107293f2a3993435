package io.dptrain.model;

import java.lang.reflect.Field;
import java.util.concurrent.atomic.AtomicBoolean;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.LoggerFactory;

/**
 * Gives a network's layers the oneDNN helpers DL4J means them to have on CPU. DL4J 1.0.0-M2 creates a
 * convolution, pooling or batch-norm layer's helper ({@code MKLDNNConvHelper} etc., which run the layer as
 * one libnd4j op: conv2d, maxpool2d, batchnorm, on oneDNN in the {@code -onednn} build) only when
 * {@code BaseMKLDNNHelper.mklDnnEnabled()} says nd4j has oneDNN. That check loads
 * {@code org.nd4j.nativeblas.Nd4jCpu$Environment}, which nd4j-native M2 moved to
 * {@code org.nd4j.linalg.cpu.nativecpu.bindings}, so it always fails and every layer runs DL4J's Java-side
 * im2col + gemm path, with or without oneDNN in the natives (which is why the oneDNN build alone changed
 * nothing). So this sets the helpers DL4J would have set, into the layers' {@code helper} field, after
 * {@code init()}. Measured (jobs/bench-step.sh): LeNet's 1-thread step ~3.8x faster with the oneDNN build.
 *
 * <p>The helpers fall back to the built-in path by themselves where they do not apply (double precision:
 * the gradient checks); results differ from the built-in path by float rounding only.
 */
public final class OneDnnHelpers {
    private static final AtomicBoolean TOLD = new AtomicBoolean();

    private OneDnnHelpers() {
    }

    /**
     * Engages the helpers on {@code net}'s convolution, subsampling and batch-norm layers unless nd4j's helpers
     * are switched off. On the plain native build they run libnd4j's generic ops, still faster than DL4J's
     * Java-side path (measured 1.2x for LeNet); on the {@code -onednn} build ({@link NativeBuild}), oneDNN.
     *
     * @return the number of layers given a helper
     */
    public static int engage(MultiLayerNetwork net) {
        if (!Nd4j.getEnvironment().helpersAllowed()) {
            if (TOLD.compareAndSet(false, true)) {
                LoggerFactory.getLogger(OneDnnHelpers.class).info("nd4j's platform helpers are switched off "
                        + "(Environment.allowHelpers): layers run DL4J's built-in path");
            }
            return 0;
        }
        int engaged = 0;
        for (Layer layer : net.getLayers()) {
            Object helper = helperFor(layer, net.params().dataType());
            if (helper != null && layer.getHelper() == null) {
                setHelper(layer, helper);
                engaged++;
            }
        }
        return engaged;
    }

    private static Object helperFor(Layer layer, DataType dataType) {
        if (layer instanceof ConvolutionLayer) {
            return new MKLDNNConvHelper(dataType);
        }
        if (layer instanceof SubsamplingLayer) {
            return new MKLDNNSubsamplingHelper(dataType);
        }
        if (layer instanceof BatchNormalization) {
            return new MKLDNNBatchNormHelper(dataType);
        }
        return null;
    }

    /** The layer's {@code helper} field, declared by the layer class or one of its superclasses. */
    private static void setHelper(Layer layer, Object helper) {
        for (Class<?> type = layer.getClass(); type != null; type = type.getSuperclass()) {
            try {
                Field field = type.getDeclaredField("helper");
                field.setAccessible(true);
                field.set(layer, helper);
                return;
            } catch (NoSuchFieldException e) {
                // declared further up
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("cannot set the oneDNN helper of " + layer.getClass().getName(), e);
            }
        }
        throw new IllegalStateException(layer.getClass().getName() + " has no helper field (DL4J's layout changed: "
                + "set dptrain.model.onednn-helpers = false)");
    }
}
