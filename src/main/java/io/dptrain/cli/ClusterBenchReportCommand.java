package io.dptrain.cli;

import io.dptrain.bench.ClusterBenchmarkReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code dptrain cluster-bench-report --local DIR --cluster DIR --rss FILE [--rss-rounds 20,200] --out DIR}. */
@Command(name = "cluster-bench-report", mixinStandardHelpOptions = true,
        description = {"Compare the same job on local[2] and on a standalone cluster (jobs/bench-cluster.sh makes "
                + "them): steady examples/s and their ratio, per-round breakdown, executor VmRSS at two rounds.",
                "Prints the markdown, then a last line 'SUMMARY cluster_vs_local=R rss_growth=F'; writes "
                        + ClusterBenchmarkReport.MARKDOWN_FILE + " into --out."})
final class ClusterBenchReportCommand implements Callable<Integer> {
    @Option(names = "--local", required = true, description = "Output folder of the local[2] `dptrain train` run.")
    Path local;

    @Option(names = "--cluster", required = true, description = "Output folder of the same job's cluster run.")
    Path cluster;

    @Option(names = "--rss", required = true, paramLabel = "FILE",
            description = "Executor RSS samples, one per line: EXECUTOR PID ROUND RSS_KB.")
    Path rss;

    @Option(names = "--rss-rounds", split = ",", defaultValue = "20,200", paramLabel = "EARLY,LATE",
            description = "The two rounds whose RSS is compared (default: ${DEFAULT-VALUE}).")
    List<Integer> rssRounds;

    @Option(names = "--out", required = true, description = "Folder for " + ClusterBenchmarkReport.MARKDOWN_FILE
            + " (created).")
    Path out;

    @Override
    public Integer call() {
        if (rssRounds.size() != 2) {
            throw new IllegalArgumentException("--rss-rounds " + rssRounds + " is not allowed; allowed: two rounds "
                    + "EARLY,LATE, e.g. 20,200");
        }
        ClusterBenchmarkReport report = ClusterBenchmarkReport.read(local, cluster, rss, rssRounds.get(0),
                rssRounds.get(1));
        report.writeTo(out);
        System.out.print(report.toText());
        return 0;
    }
}
