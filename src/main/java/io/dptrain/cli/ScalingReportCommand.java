package io.dptrain.cli;

import io.dptrain.bench.ScalingReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code dptrain scaling-report --out DIR [--cores N] RUN_DIR...}. */
@Command(name = "scaling-report", mixinStandardHelpOptions = true,
        description = {"Fit the round cost model to communication-only runs (engine.communication-only = true, at "
                + "several engine.workers; jobs/bench-scale.sh makes them), check it against real runs, and predict "
                + "round time and efficiency at N = 1..256 executors (weak and strong scaling, loopback and 10 Gb/s).",
                "Prints the markdown, then a last line 'SCALING fit_err_n2=F fit_err_comm_n8=F eff64_vgg_pa=E "
                        + "eff64_lenet_ga=E'; writes " + ScalingReport.MARKDOWN_FILE + " and "
                        + ScalingReport.CHART_FILE + " into --out."})
final class ScalingReportCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, description = "Folder for the report and the chart (created).")
    Path out;

    @Option(names = "--cores", description = "Cores of the machine the communication-only runs ran on "
            + "(default: this machine's).")
    int cores = Runtime.getRuntime().availableProcessors();

    @Parameters(arity = "1..*", paramLabel = "RUN_DIR", description = "Output folders of `dptrain train` runs "
            + "(local paths): communication-only runs at several N, and real runs at N = 2.")
    List<Path> runs = new ArrayList<>();

    @Override
    public Integer call() {
        if (cores < 1) {
            throw new IllegalArgumentException("--cores " + cores + " is not allowed; allowed: >= 1");
        }
        ScalingReport report = ScalingReport.read(runs, cores);
        report.writeTo(out);
        System.out.print(report.toText());
        return 0;
    }
}
