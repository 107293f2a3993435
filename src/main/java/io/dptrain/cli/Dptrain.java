package io.dptrain.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code jobs/dptrain} and of spark-submit jobs. */
@Command(name = "dptrain", mixinStandardHelpOptions = true, versionProvider = Dptrain.Version.class,
        description = "Data-parallel deep learning on Apache Spark.",
        subcommands = {PrepareCommand.class, TrainCommand.class, EvaluateCommand.class, PredictCommand.class,
                ConfigCommand.class, DescribeCommand.class, NotebookCommand.class, BenchReportCommand.class,
                BenchEvaluateCommand.class, BenchGenerateIdxCommand.class, TextBenchReportCommand.class, ClusterBenchReportCommand.class,
                ConvergenceReportCommand.class, ScalingReportCommand.class, SpillBenchReportCommand.class,
                BenchStepCommand.class, BenchUpdaterCommand.class})
public final class Dptrain implements Runnable {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code (0 ok, 1 failed, 2 bad usage). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Dptrain());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            // Bad input is the user's to fix: print the message, not a stack trace.
            commandLine.getErr().println("dptrain: " + rootMessage(e));
            return e instanceof IllegalArgumentException || e instanceof IllegalStateException ? 2 : 1;
        });
        return cli.execute(args);
    }

    private static String rootMessage(Throwable e) {
        String message = e.getMessage();
        return message == null ? e.toString() : message;
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.err);
    }

    /** Version line from the build's versions.properties. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"dptrain " + io.dptrain.report.Provenance.buildVersions()};
        }
    }
}
