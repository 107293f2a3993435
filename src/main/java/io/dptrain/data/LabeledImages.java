package io.dptrain.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * Labelled images held in memory: {@code count()} images of one {@link ImageShape}, stored
 * back to back in {@code pixels} as unsigned bytes (0..255, read with {@code b & 0xFF}) in
 * row-major HWC order (for one channel simply row-major HW), and one class index per image in
 * {@code labels}.
 *
 * <p>The arrays are not copied on construction, to keep 60k images cheap to pass around;
 * callers must not modify them afterwards.
 *
 * @param shape  the shape shared by every image
 * @param pixels {@code count() * shape.pixelsPerImage()} bytes
 * @param labels one label per image, each in {@code 0..shape.classes()-1}
 */
public record LabeledImages(ImageShape shape, byte[] pixels, int[] labels) implements ExampleSet {

    /**
     * Checks that the pixel bytes match the label count and every label is a valid class.
     *
     * @param shape  the shape shared by every image
     * @param pixels {@code labels.length * shape.pixelsPerImage()} bytes, not copied
     * @param labels one label per image, not copied
     */
    public LabeledImages {
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(pixels, "pixels");
        Objects.requireNonNull(labels, "labels");
        long expected = (long) labels.length * shape.pixelsPerImage();
        if (pixels.length != expected) {
            throw new IllegalArgumentException("pixels.length must be labels.length * "
                    + "pixelsPerImage = " + labels.length + " * " + shape.pixelsPerImage()
                    + " = " + expected + ", got " + pixels.length);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= shape.classes()) {
                throw new IllegalArgumentException("label at index " + i + " must be in 0.."
                        + (shape.classes() - 1) + ", got " + labels[i]);
            }
        }
    }

    /**
     * Returns the number of images.
     *
     * @return the number of images
     */
    public int count() {
        return labels.length;
    }

    /**
     * Returns the label of image {@code i}.
     *
     * @param i image index in {@code 0..count()-1}
     * @return the class index of that image
     */
    public int label(int i) {
        Objects.checkIndex(i, labels.length);
        return labels[i];
    }

    /**
     * Returns a copy of images {@code from} (inclusive) to {@code to} (exclusive).
     *
     * @param from first image, {@code 0 <= from <= to}
     * @param to   one past the last image, {@code to <= count()}
     * @return a new instance holding copies of those images and labels
     */
    public LabeledImages slice(int from, int to) {
        Objects.checkFromToIndex(from, to, labels.length);
        int n = shape.pixelsPerImage();
        return new LabeledImages(shape,
                Arrays.copyOfRange(pixels, from * n, to * n),
                Arrays.copyOfRange(labels, from, to));
    }

    @Override
    public int classes() {
        return shape.classes();
    }

    @Override
    public java.util.List<org.nd4j.linalg.dataset.DataSet> minibatches(int batchSize,
                                                                      org.nd4j.linalg.api.buffer.DataType dataType) {
        return Minibatches.of(this, batchSize, dataType);
    }

    /** Compares shape and array contents (records compare arrays by identity otherwise). */
    @Override
    public boolean equals(Object o) {
        return o instanceof LabeledImages other
                && shape.equals(other.shape)
                && Arrays.equals(labels, other.labels)
                && Arrays.equals(pixels, other.pixels);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * shape.hashCode() + Arrays.hashCode(labels)) + Arrays.hashCode(pixels);
    }

    @Override
    public String toString() {
        return "LabeledImages[count=" + count() + ", shape=" + shape + "]";
    }
}
