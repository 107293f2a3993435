package io.dptrain.bench;

import io.dptrain.RoundMetrics;
import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import io.dptrain.io.RunOutput;
import io.dptrain.json.MetricsLines;
import io.dptrain.report.EpochEvaluation;
import io.dptrain.report.EvaluationReport;
import io.dptrain.report.Provenance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Test helper: writes a run folder's provenance.json and metrics.jsonl as {@code dptrain train} does
 * (the same records, the same encoding), with the numbers a test chooses.
 */
final class RunFolders {
    private RunFolders() {
    }

    /**
     * @param settings    config overrides ({@code key=value}) over the defaults
     * @param sparkMaster the master the run really used
     * @param epochs      test accuracy after each epoch; the last one is the test report's accuracy (0.5 when
     *                    there is none, as for a communication-only run)
     */
    static Path write(Path dir, List<String> settings, String sparkMaster, long trainRows,
                      List<EpochEvaluation.Point> epochs, long trainMillis, List<RoundMetrics> rounds)
            throws IOException {
        Files.createDirectories(dir);
        DptrainConfig config = ConfigLoader.load(null, settings);
        // 10,000 test rows with the last epoch's accuracy over two classes
        double accuracy = epochs.isEmpty() ? 0.5 : epochs.get(epochs.size() - 1).accuracy();
        long correct = Math.round(accuracy * 10_000);
        EvaluationReport test = EvaluationReport.of(new long[][]{{correct, 0}, {10_000 - correct, 0}});
        Provenance provenance = new Provenance("2026-01-02T10:00:00Z", config, sparkMaster,
                config.engine().workers(), config.data().train(), trainRows, config.data().test(), 10_000,
                config.train().seed(), Map.of("dptrain", "test"), test, epochs, trainMillis, 99_999, 1.0);
        Files.writeString(dir.resolve(RunOutput.PROVENANCE), provenance.toJson());
        Files.writeString(dir.resolve(RunOutput.METRICS), MetricsLines.write(rounds));
        return dir;
    }
}
