package io.dptrain.bench;

import io.dptrain.io.RunOutput;
import io.dptrain.report.EvaluationReport;
import io.dptrain.report.Provenance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The text benchmark's report (jobs/bench-text.sh): a single-process run and a distributed run of
 * the same configuration on the same prepared split, compared on test accuracy, the positive
 * class's precision/recall/F1 and steady examples/s. Ends with
 * {@code SUMMARY lstm_acc=A single_acc=A spam_f1=F dist_vs_single=R}.
 */
public final class TextBenchmarkReport {
    /** What one run contributes. */
    record Side(String label, BenchmarkRun run, double accuracy, double precision, double recall, double f1) {
    }

    private final Side single;
    private final Side distributed;
    private final String positive;

    private TextBenchmarkReport(Side single, Side distributed, String positive) {
        this.single = single;
        this.distributed = distributed;
        this.positive = positive;
    }

    /** Reads both run folders; {@code positive} names the class whose precision/recall/F1 are reported. */
    public static TextBenchmarkReport read(Path singleDir, Path distributedDir, String positive) {
        return new TextBenchmarkReport(side(singleDir, positive), side(distributedDir, positive), positive);
    }

    private static Side side(Path dir, String positive) {
        BenchmarkRun run = BenchmarkRun.read(dir);
        try {
            List<String> classes = Files.readAllLines(dir.resolve(RunOutput.CLASSES)).stream()
                    .filter(l -> !l.isBlank()).toList();
            int index = classes.indexOf(positive);
            if (index < 0) {
                throw new IllegalArgumentException("class '" + positive + "' is not one of " + classes + " (in "
                        + dir.resolve(RunOutput.CLASSES) + ")");
            }
            Path provenanceFile = dir.resolve(RunOutput.PROVENANCE);
            EvaluationReport test = Provenance.fromJson(Files.readString(provenanceFile), provenanceFile.toString())
                    .test();
            if (index >= test.classes().size()) {
                throw new IllegalArgumentException(provenanceFile + " has the test metrics of " + test.classes().size()
                        + " classes, but '" + positive + "' is class " + index + " in " + RunOutput.CLASSES);
            }
            EvaluationReport.ClassMetrics metrics = test.classes().get(index);
            String workers = run.mode() == io.dptrain.config.Choices.EngineMode.SINGLE_PROCESS ? "driver"
                    : (run.workers() == 0 ? "default" : run.workers()) + " workers";
            return new Side(run.mode().configName() + " (" + workers + ")", run, test.accuracy(), metrics.precision(),
                    metrics.recall(), metrics.f1());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the text run in " + dir + " (need " + RunOutput.CLASSES
                    + " and " + RunOutput.PROVENANCE + ")", e);
        }
    }

    public String summaryLine() {
        return String.format(Locale.ROOT, "SUMMARY lstm_acc=%.4f single_acc=%.4f spam_f1=%.4f dist_vs_single=%.3f",
                distributed.accuracy(), single.accuracy(), distributed.f1(),
                distributed.run().steadyExamplesPerSecond() / single.run().steadyExamplesPerSecond());
    }

    /** The markdown table, then the SUMMARY line last. */
    public String toText() {
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "| run | test accuracy | %s precision | %s recall | %s F1 | steady ex/s |%n",
                positive, positive, positive));
        md.append("|---|---:|---:|---:|---:|---:|\n");
        for (Side s : List.of(single, distributed)) {
            md.append(String.format(Locale.ROOT, "| %s | %.4f | %.4f | %.4f | %.4f | %.1f |%n", s.label(), s.accuracy(),
                    s.precision(), s.recall(), s.f1(), s.run().steadyExamplesPerSecond()));
        }
        BenchmarkReport.Machine m = BenchmarkReport.Machine.current();
        md.append(String.format(Locale.ROOT, "%nMachine: %d cores, %s %s, Java %s, %s. Same prepared split and "
                        + "configuration, %d epochs; steady ex/s skips the first 2%% of rounds.%n%n", m.cores(), m.os(),
                m.arch(), m.java(), m.date(), distributed.run().lastEpoch()));
        return md.append(summaryLine()).append('\n').toString();
    }
}
