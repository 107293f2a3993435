package io.dptrain.cli;

import io.dptrain.bench.NoisyIdxCopies;
import io.dptrain.data.IdxReader;
import io.dptrain.data.LabeledImages;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dptrain bench-generate-idx}: the large input of jobs/bench-prepare.sh. */
@Command(name = "bench-generate-idx", mixinStandardHelpOptions = true,
        description = {"Write a Fashion-MNIST-like folder of any size for measuring prepare: train has --images records,"
                + " the source's training images repeated, every copy after the first with the low 3 bits of each pixel"
                + " flipped by seeded noise; t10k is the source's test set as it is.",
                "Only the source is held in memory; the files are written record by record."})
final class BenchGenerateIdxCommand implements Callable<Integer> {
    @Option(names = "--source", defaultValue = "data/fashion-mnist",
            description = "Folder with the four Fashion-MNIST IDX files (default: ${DEFAULT-VALUE}).")
    Path source;

    @Option(names = "--images", required = true, description = "Training records to write, >= 1.")
    int images;

    @Option(names = "--out", required = true, description = "Output folder, created if missing.")
    Path out;

    @Option(names = "--gzip", description = "gzip both files of each pair (fastest level); plain files otherwise.")
    boolean gzip;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the noise (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        if (images < 1) {
            throw new IllegalArgumentException("--images must be >= 1, got " + images);
        }
        LabeledImages train = IdxReader.read(source.resolve("train-images-idx3-ubyte.gz"),
                source.resolve("train-labels-idx1-ubyte.gz"), 10);
        LabeledImages test = IdxReader.read(source.resolve("t10k-images-idx3-ubyte.gz"),
                source.resolve("t10k-labels-idx1-ubyte.gz"), 10);
        new NoisyIdxCopies(train, seed).write(out, "train", images, gzip, gzip);
        new NoisyIdxCopies(test, seed).write(out, "t10k", test.count(), gzip, gzip);
        System.out.println("wrote " + images + " training and " + test.count() + " test images"
                + (gzip ? " (gzip)" : " (plain)") + " -> " + out);
        return 0;
    }
}
