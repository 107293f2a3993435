package io.dptrain.cli;

import io.dptrain.bench.BenchmarkReport;
import io.dptrain.bench.ConvergenceReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code dptrain convergence-report --out DIR RUN_DIR...} and {@code dptrain convergence-report --print-budget RUN_DIR}. */
@Command(name = "convergence-report", mixinStandardHelpOptions = true,
        description = {"Compare variants trained for the same time budget (jobs/bench-convergence.sh makes them): test "
                + "accuracy per epoch and at the budget, time to 0.90, steady examples/s, bytes per round, overhead.",
                "Prints the markdown, then a last line 'SUMMARY tta90_vs_single=R budget_gain_pts=P ...'; writes "
                        + BenchmarkReport.MARKDOWN_FILE + " and " + BenchmarkReport.CHART_FILE + " into --out.",
                "With --print-budget: prints the single-process run's training time in seconds, the other "
                        + "variants' train.time-budget-seconds."})
final class ConvergenceReportCommand implements Callable<Integer> {
    @Option(names = "--out", description = "Folder for the report and the chart (created).")
    Path out;

    @Option(names = "--print-budget", paramLabel = "SINGLE_RUN_DIR",
            description = "Instead of the report: print this single-process run's training time (s), the budget.")
    Path budgetOf;

    @Parameters(arity = "0..*", paramLabel = "RUN_DIR", description = "Output folders of `dptrain train` runs "
            + "(local paths): one single-process run and the variants; each folder's name names its variant.")
    List<Path> runs = new ArrayList<>();

    @Override
    public Integer call() {
        if (budgetOf != null) {
            if (out != null || !runs.isEmpty()) {
                throw new IllegalArgumentException("--print-budget takes one run folder and neither --out nor RUN_DIR");
            }
            System.out.printf(Locale.ROOT, "%.3f%n", ConvergenceReport.budgetSeconds(budgetOf));
            return 0;
        }
        if (out == null || runs.isEmpty()) {
            throw new IllegalArgumentException("give --out DIR and the run folders (RUN_DIR...), or --print-budget "
                    + "SINGLE_RUN_DIR");
        }
        ConvergenceReport report = ConvergenceReport.read(runs);
        report.writeTo(out);
        System.out.print(report.toText());
        return 0;
    }
}
