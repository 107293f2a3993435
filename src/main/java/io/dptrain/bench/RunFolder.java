package io.dptrain.bench;

import io.dptrain.RoundMetrics;
import io.dptrain.io.RunOutput;
import io.dptrain.json.MetricsLines;
import io.dptrain.report.Provenance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A finished {@code dptrain train} run's output folder read back: its provenance.json and
 * metrics.jsonl, which every benchmark report starts from.
 *
 * @param dir        the run's output folder
 * @param provenance the run's configuration, per-epoch test accuracy and times
 * @param rounds     every round's metrics, in order
 */
record RunFolder(Path dir, Provenance provenance, List<RoundMetrics> rounds) {

    RunFolder {
        rounds = List.copyOf(rounds);
    }

    /** Reads a run folder; errors name the folder and what is wrong. */
    static RunFolder read(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("run folder " + dir + " does not exist or is not a folder");
        }
        Path provenanceFile = dir.resolve(RunOutput.PROVENANCE);
        if (!Files.isRegularFile(provenanceFile)) {
            throw new IllegalArgumentException("run folder " + dir + " has no " + RunOutput.PROVENANCE
                    + ": give the output folder (output.dir) of a finished `dptrain train` run");
        }
        Path metricsFile = dir.resolve(RunOutput.METRICS);
        if (!Files.isRegularFile(metricsFile)) {
            throw new IllegalArgumentException("run folder " + dir + " has no " + RunOutput.METRICS);
        }
        try {
            return new RunFolder(dir, Provenance.fromJson(Files.readString(provenanceFile), provenanceFile.toString()),
                    MetricsLines.read(Files.readString(metricsFile), metricsFile.toString()));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the run folder " + dir + ": " + e.getMessage(), e);
        }
    }
}
