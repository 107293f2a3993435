package io.dptrain.cli;

import io.dptrain.bench.BenchmarkReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code dptrain bench-report --target 0.88 --out runs/bench/report RUN_DIR...}. */
@Command(name = "bench-report", mixinStandardHelpOptions = true,
        description = {"Compare training runs of the engines (jobs/bench.sh makes them): steady examples/s, ratio to "
                + "single-process, per-round breakdown, accuracy per epoch, time to a target accuracy.",
                "Prints the markdown, then a last line 'SUMMARY key=value ...'; writes "
                        + BenchmarkReport.MARKDOWN_FILE + " and " + BenchmarkReport.CHART_FILE + " into --out."})
final class BenchReportCommand implements Callable<Integer> {
    @Option(names = "--target", defaultValue = "" + BenchmarkReport.DEFAULT_TARGET,
            description = "Test accuracy whose time to reach is compared, in (0, 1] (default: ${DEFAULT-VALUE}).")
    double target;

    @Option(names = "--out", required = true, description = "Folder for the report and the chart (created).")
    Path out;

    @Parameters(arity = "1..*", paramLabel = "RUN_DIR",
            description = "Output folders of `dptrain train` runs (local paths), at most one per engine mode.")
    List<Path> runs;

    @Override
    public Integer call() {
        BenchmarkReport report = BenchmarkReport.read(runs, target);
        report.writeTo(out);
        System.out.print(report.toText());
        return 0;
    }
}
