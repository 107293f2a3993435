package io.dptrain.io;

import io.dptrain.report.Provenance;
import io.dptrain.report.TrainingReport;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A run's output folder on any Hadoop file system (local paths, file://, hdfs://): model.zip (DL4J
 * ModelSerializer, with updater state, loads in plain DL4J), provenance.json and metrics.jsonl, and
 * named text files such as report.html ({@link TrainingReport}).
 * Written atomically ({@link AtomicOutput}): everything goes into a hidden sibling folder that is renamed
 * into place only when complete, so a failed run never leaves a half-written model.
 */
public final class RunOutput {
    public static final String MODEL = "model.zip";
    public static final String PROVENANCE = "provenance.json";
    public static final String METRICS = "metrics.jsonl";
    /** Text runs: the vocabulary the model's token ids come from (Vocabulary file format). */
    public static final String VOCABULARY = "vocabulary.txt";
    /** Text runs: the class names, one per line, in class-index order. */
    public static final String CLASSES = "classes.txt";
    /** The run as one self-contained page with charts ({@link TrainingReport}); with {@code output.report}. */
    public static final String REPORT = "report.html";

    private final Configuration hadoop;

    public RunOutput(Configuration hadoop) {
        this.hadoop = hadoop;
    }

    /** Writes the three files into {@code dir}; an existing dir is replaced only when overwrite is set. */
    public void write(String dir, boolean overwrite, MultiLayerNetwork model, Provenance provenance,
                      String metricsJsonLines) {
        write(dir, overwrite, model, provenance, metricsJsonLines, java.util.Map.of());
    }

    /** As {@link #write(String, boolean, MultiLayerNetwork, Provenance, String)}, plus named text files. */
    public void write(String dir, boolean overwrite, MultiLayerNetwork model, Provenance provenance,
                      String metricsJsonLines, java.util.Map<String, String> extraFiles) {
        Path target = new Path(dir);
        try {
            FileSystem fs = target.getFileSystem(hadoop);
            if (fs.exists(target) && !overwrite) {
                throw new IllegalStateException("output folder " + target + " exists; set dptrain.output.overwrite=true "
                        + "or choose another dptrain.output.dir");
            }
            AtomicOutput.write(fs, target, overwrite, tmp -> {
                fs.mkdirs(tmp);
                try (FSDataOutputStream out = fs.create(new Path(tmp, MODEL), false)) {
                    ModelSerializer.writeModel(model, out, true);
                }
                writeText(fs, new Path(tmp, PROVENANCE), provenance.toJson());
                writeText(fs, new Path(tmp, METRICS), metricsJsonLines);
                for (java.util.Map.Entry<String, String> extra : extraFiles.entrySet()) {
                    writeText(fs, new Path(tmp, extra.getKey()), extra.getValue());
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("writing the run output to " + target + " failed", e);
        }
    }

    /** Loads a model written by {@link #write} (or any DL4J ModelSerializer zip), with its updater state. */
    public MultiLayerNetwork loadModel(String path) {
        Path p = new Path(path);
        try {
            FileSystem fs = p.getFileSystem(hadoop);
            if (fs.getFileStatus(p).isDirectory()) {
                p = new Path(p, MODEL);
            }
            try (InputStream in = fs.open(p)) {
                return ModelSerializer.restoreMultiLayerNetwork(in, true);
            }
        } catch (java.io.FileNotFoundException e) {
            throw new IllegalArgumentException("no model at " + p + ": give a model.zip or a run's output folder", e);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read a DL4J model from " + p + ": " + e.getMessage(), e);
        }
    }

    private static void writeText(FileSystem fs, Path path, String text) throws IOException {
        try (FSDataOutputStream out = fs.create(path, false)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }
}
