package io.dptrain.data;

/**
 * The shape of a labelled image dataset: every image is {@code height x width x channels}
 * unsigned bytes, and every label is a class index in {@code 0..classes-1}.
 *
 * @param height   image height in pixels, at least 1
 * @param width    image width in pixels, at least 1
 * @param channels channels per pixel (1 for grayscale, 3 for RGB), at least 1
 * @param classes  number of classes, at least 2
 */
public record ImageShape(int height, int width, int channels, int classes) implements java.io.Serializable {

    /**
     * Validates every field; the message names the field, the value and what is allowed.
     *
     * @param height   image height in pixels, at least 1
     * @param width    image width in pixels, at least 1
     * @param channels channels per pixel, at least 1
     * @param classes  number of classes, at least 2
     */
    public ImageShape {
        requireAtLeast("height", height, 1);
        requireAtLeast("width", width, 1);
        requireAtLeast("channels", channels, 1);
        requireAtLeast("classes", classes, 2);
        long pixels = (long) height * width * channels;
        if (pixels > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("height*width*channels must be <= "
                    + Integer.MAX_VALUE + ", got " + height + "*" + width + "*" + channels
                    + " = " + pixels);
        }
    }

    /**
     * Returns the number of bytes of one image, {@code height * width * channels}.
     *
     * @return bytes per image
     */
    public int pixelsPerImage() {
        return height * width * channels;
    }

    private static void requireAtLeast(String field, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(field + " must be >= " + min + ", got " + value);
        }
    }
}
