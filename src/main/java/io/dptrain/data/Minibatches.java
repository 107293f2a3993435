package io.dptrain.data;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns labelled images into DL4J minibatches: features are flat rows of
 * {@code channels*height*width} floats in CHW order scaled to [0, 1] (what DL4J's
 * {@code InputType.convolutionalFlat} and dense layers expect), labels are one-hot rows.
 *
 * <p>Rule for the last batch: examples are cut into consecutive batches of {@code batchSize}; the
 * last one holds the remainder (it may be shorter) and is kept, so no example is ever dropped.
 */
public final class Minibatches {
    private Minibatches() {
    }

    /** Float batches of the images in the given order ({@code order} holds indices into images). */
    public static List<DataSet> of(LabeledImages images, int[] order, int batchSize) {
        return of(images, order, batchSize, DataType.FLOAT);
    }

    /** Batches of the images in the given order, in the network's data type. */
    public static List<DataSet> of(LabeledImages images, int[] order, int batchSize, DataType dataType) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        List<DataSet> batches = new ArrayList<>((order.length + batchSize - 1) / batchSize);
        for (int from = 0; from < order.length; from += batchSize) {
            int to = Math.min(order.length, from + batchSize);
            batches.add(batch(images, order, from, to, dataType));
        }
        return batches;
    }

    /** Float batches of all images in their stored order. */
    public static List<DataSet> of(LabeledImages images, int batchSize) {
        return of(images, batchSize, DataType.FLOAT);
    }

    /** Batches of all images in their stored order, in the network's data type. */
    public static List<DataSet> of(LabeledImages images, int batchSize, DataType dataType) {
        int[] order = new int[images.count()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        return of(images, order, batchSize, dataType);
    }

    /** Number of batches {@link #of} makes from {@code examples} examples. */
    public static int count(long examples, int batchSize) {
        return (int) ((examples + batchSize - 1) / batchSize);
    }

    private static DataSet batch(LabeledImages images, int[] order, int from, int to, DataType dataType) {
        ImageShape shape = images.shape();
        int n = to - from;
        int h = shape.height();
        int w = shape.width();
        int c = shape.channels();
        int perImage = shape.pixelsPerImage();
        float[] features = new float[n * perImage];
        float[] labels = new float[n * shape.classes()];
        byte[] pixels = images.pixels();
        for (int row = 0; row < n; row++) {
            int example = order[from + row];
            int src = example * perImage;
            int dst = row * perImage;
            // Stored HWC; DL4J's flat convolutional input is CHW.
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    for (int ch = 0; ch < c; ch++) {
                        features[dst + (ch * h + y) * w + x] = (pixels[src + (y * w + x) * c + ch] & 0xFF) / 255f;
                    }
                }
            }
            labels[row * shape.classes() + images.label(example)] = 1f;
        }
        INDArray f = Nd4j.create(features, new long[]{n, perImage}, 'c');
        INDArray l = Nd4j.create(labels, new long[]{n, shape.classes()}, 'c');
        if (dataType != DataType.FLOAT) {
            f = f.castTo(dataType);
            l = l.castTo(dataType);
        }
        return new DataSet(f, l);
    }
}
