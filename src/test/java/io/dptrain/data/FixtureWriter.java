package io.dptrain.data;

import java.nio.file.Path;

/**
 * Regenerates the committed fixture {@code src/test/resources/fixtures/fashion-mnist-mini/}:
 * the first {@value #TRAIN} training and first {@value #TEST} test examples of the real
 * Fashion-MNIST, as gzip IDX files with the original names. Run from the project folder:
 * {@code java -cp target/test-classes:target/classes io.dptrain.data.FixtureWriter
 * [source-dir [target-dir]]}; the defaults are {@code data/fashion-mnist} and the fixture folder.
 */
public final class FixtureWriter {

    /** Training examples in the fixture. */
    public static final int TRAIN = 600;
    /** Test examples in the fixture. */
    public static final int TEST = 200;
    /** Fashion-MNIST's number of classes. */
    public static final int CLASSES = 10;

    private FixtureWriter() {
    }

    /**
     * Writes the fixture.
     *
     * @param args optional source folder and target folder
     */
    public static void main(String[] args) {
        Path source = Path.of(args.length > 0 ? args[0] : "data/fashion-mnist");
        Path target = Path.of(args.length > 1 ? args[1]
                : "src/test/resources/fixtures/fashion-mnist-mini");
        write(source, target, "train", TRAIN);
        write(source, target, "t10k", TEST);
    }

    private static void write(Path source, Path target, String prefix, int limit) {
        LabeledImages images = IdxReader.read(
                source.resolve(prefix + "-images-idx3-ubyte.gz"),
                source.resolve(prefix + "-labels-idx1-ubyte.gz"), CLASSES, limit);
        IdxFiles.write(target, prefix, images, true);
    }
}
