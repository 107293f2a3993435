package io.dptrain.cli;

import io.dptrain.bench.SpillBenchmarkReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code dptrain spill-bench-report --memory DIR --spilled DIR}. */
@Command(name = "spill-bench-report", mixinStandardHelpOptions = true,
        description = {"Compare one job trained with in-memory and with spilled shards (jobs/bench-spill.sh makes "
                + "them): steady examples/s, mean round and compute time, test accuracy.",
                "Prints a table, then a last line 'SUMMARY spill_ratio=R' (spilled over in-memory examples/s)."})
final class SpillBenchReportCommand implements Callable<Integer> {
    @Option(names = "--memory", required = true,
            description = "Output folder of the run with dptrain.engine.shard-storage = memory.")
    Path memory;

    @Option(names = "--spilled", required = true,
            description = "Output folder of the same job with shard-storage = memory-and-disk or disk.")
    Path spilled;

    @Override
    public Integer call() {
        System.out.print(SpillBenchmarkReport.read(memory, spilled).toText());
        return 0;
    }
}
