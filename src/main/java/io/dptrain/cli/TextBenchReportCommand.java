package io.dptrain.cli;

import io.dptrain.bench.TextBenchmarkReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code dptrain text-bench-report --positive spam SINGLE_RUN DISTRIBUTED_RUN}. */
@Command(name = "text-bench-report", mixinStandardHelpOptions = true,
        description = "Compare a single-process and a distributed text run (jobs/bench-text.sh): accuracy, the positive "
                + "class's precision/recall/F1, steady examples/s; last line 'SUMMARY lstm_acc=.. single_acc=.. "
                + "spam_f1=.. dist_vs_single=..'.")
final class TextBenchReportCommand implements Callable<Integer> {
    @Option(names = "--positive", defaultValue = "spam", description = "Class reported with precision/recall/F1 (default: ${DEFAULT-VALUE}).")
    String positive;

    @Parameters(index = "0", paramLabel = "SINGLE_RUN", description = "Output folder of the single-process run.")
    Path single;

    @Parameters(index = "1", paramLabel = "DISTRIBUTED_RUN", description = "Output folder of the distributed run.")
    Path distributed;

    @Override
    public Integer call() {
        System.out.print(TextBenchmarkReport.read(single, distributed, positive).toText());
        return 0;
    }
}
