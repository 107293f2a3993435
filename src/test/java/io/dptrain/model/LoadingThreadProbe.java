package io.dptrain.model;

import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.FutureTask;

/**
 * Run in a JVM of its own by {@link NativeBuildTest}: computes a small LeNet's gradient of one batch on the
 * main thread and on a second thread and prints whether they are equal bit for bit. With argument
 * {@code main-thread-loads} the main thread loads nd4j's natives itself (an op before anything of dptrain),
 * otherwise the first nd4j use is dptrain's ({@link Networks#create}).
 */
public final class LoadingThreadProbe {
    private static final DptrainConfig CONFIG = ConfigLoader.load(null, List.of("model.preset=lenet",
            "model.lenet.conv1-filters=4", "model.lenet.conv2-filters=8", "model.lenet.dense=32"));

    private LoadingThreadProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("main-thread-loads")) {
            Nd4j.create(new float[]{0f}).addi(1f);
        }
        MultiLayerNetwork net = Networks.create(CONFIG);
        Nd4j.getRandom().setSeed(7);
        INDArray pixels = Nd4j.rand(DataType.FLOAT, 32, 1, 28, 28);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, 32, 10);
        for (int i = 0; i < 32; i++) {
            labels.putScalar(i, (i * 7) % 10, 1.0);
        }
        INDArray params = net.params().dup();
        float[] onMain = gradient(params, pixels, labels);
        FutureTask<float[]> other = new FutureTask<>(() -> gradient(params, pixels, labels));
        new Thread(other).start();
        float[] onOther = other.get();
        System.out.println("build " + NativeBuild.loaded() + ", helpers "
                + (net.getLayer(0).getHelper() != null) + ": gradients on two threads "
                + (Arrays.equals(onMain, onOther) ? "EQUAL" : "DIFFERENT"));
    }

    private static float[] gradient(INDArray params, INDArray pixels, INDArray labels) {
        MultiLayerNetwork net = Networks.create(CONFIG);
        net.setParams(params);
        net.setInput(pixels);
        net.setLabels(labels);
        net.computeGradientAndScore();
        return net.getFlattenedGradients().toFloatVector();
    }
}
