package io.dptrain.data;

import java.nio.file.Path;

/** Test helper locating the committed Fashion-MNIST fixture. */
public final class Fixtures {

    private Fixtures() {
    }

    /**
     * Returns the fixture folder, from the {@code dptrain.fixtures} system property that
     * surefire sets, or the source folder when run from an IDE.
     *
     * @return {@code .../fixtures/fashion-mnist-mini}
     */
    public static Path fashionMnistMini() {
        String root = System.getProperty("dptrain.fixtures", "src/test/resources/fixtures");
        return Path.of(root, "fashion-mnist-mini");
    }

    /**
     * Reads the fixture's 600 training examples.
     *
     * @return the training images
     */
    public static LabeledImages train() {
        Path dir = fashionMnistMini();
        return IdxReader.read(dir.resolve("train-images-idx3-ubyte.gz"),
                dir.resolve("train-labels-idx1-ubyte.gz"), FixtureWriter.CLASSES);
    }

    /**
     * Reads the fixture's 200 test examples.
     *
     * @return the test images
     */
    public static LabeledImages test() {
        Path dir = fashionMnistMini();
        return IdxReader.read(dir.resolve("t10k-images-idx3-ubyte.gz"),
                dir.resolve("t10k-labels-idx1-ubyte.gz"), FixtureWriter.CLASSES);
    }
}
