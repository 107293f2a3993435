package io.dptrain.cli;

import io.dptrain.data.IdxTable;
import io.dptrain.data.ImageShape;
import io.dptrain.data.ImageTable;
import io.dptrain.data.InputTables;
import io.dptrain.data.text.LabeledTexts;
import io.dptrain.data.text.MailParser;
import io.dptrain.data.text.SpamAssassinCorpus;
import io.dptrain.data.text.TextPreparation;
import io.dptrain.data.text.TextTable;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code dptrain prepare}: raw data -> DataFrame -> Parquet (label int, pixels binary, shape metadata). */
@Command(name = "prepare", mixinStandardHelpOptions = true,
        description = "Turn raw data into a prepared Parquet table.",
        subcommands = {PrepareCommand.FashionMnist.class, PrepareCommand.Table.class, PrepareCommand.SpamAssassin.class,
                PrepareCommand.Text.class})
final class PrepareCommand implements Runnable {

    @Override
    public void run() {
        picocli.CommandLine.usage(this, System.err);
    }

    /** Shared options. */
    static class Common {
        @Option(names = "--master", defaultValue = "local[*]", description = "Spark master when not under spark-submit (default: ${DEFAULT-VALUE}).")
        String master;

        @Option(names = "--overwrite", description = "Replace existing output tables.")
        boolean overwrite;
    }

    @Command(name = "fashion-mnist", mixinStandardHelpOptions = true,
            description = "Fashion-MNIST IDX files (jobs/fetch-data.sh) -> <out>/fashion-mnist-train.parquet and -test.parquet.")
    static final class FashionMnist implements Callable<Integer> {
        @Option(names = "--source", defaultValue = "data/fashion-mnist", description = "Folder with the four IDX .gz files, local or Hadoop URI (default: ${DEFAULT-VALUE}).")
        String source;

        @Option(names = "--out", defaultValue = "data/prepared", description = "Output folder, local or Hadoop URI (default: ${DEFAULT-VALUE}).")
        String out;

        @picocli.CommandLine.Mixin
        Common common = new Common();

        @Override
        public Integer call() {
            SparkSession spark = SparkSessions.get("dptrain prepare fashion-mnist", common.master);
            // Both pairs' headers first: a bad test file fails before the training table is written.
            Map<String, IdxTable.Pair> pairs = new LinkedHashMap<>();
            for (String[] split : new String[][]{{"train", "train"}, {"t10k", "test"}}) {
                pairs.put(split[1], IdxTable.inspect(new Path(source, split[0] + "-images-idx3-ubyte.gz").toString(),
                        new Path(source, split[0] + "-labels-idx1-ubyte.gz").toString(), 10,
                        spark.sparkContext().hadoopConfiguration()));
            }
            pairs.forEach((split, pair) -> {
                String path = out + "/fashion-mnist-" + split + ".parquet";
                IdxTable.prepare(spark, pair, path, common.overwrite);
                System.out.println("prepared " + pair.count() + " " + split + " images " + pair.shape() + " -> " + path);
            });
            return 0;
        }
    }

    @Command(name = "table", mixinStandardHelpOptions = true,
            description = "Any (label, pixels) table (CSV with header, JSON lines or Parquet) of a stated shape -> Parquet.")
    static final class Table implements Callable<Integer> {
        @Option(names = "--input", required = true, description = "Input table path or Hadoop URI.")
        String input;

        @Option(names = "--format", defaultValue = "csv", description = "csv, json or parquet (default: ${DEFAULT-VALUE}).")
        String format;

        @Option(names = "--label-col", defaultValue = "label", description = "Integer label column (default: ${DEFAULT-VALUE}).")
        String labelCol;

        @Option(names = "--pixels-col", description = "Pixels column (binary or array of 0..255); omit when every other column is one pixel (label,pixel1,...).")
        String pixelsCol;

        @Option(names = "--height", required = true) int height;
        @Option(names = "--width", required = true) int width;
        @Option(names = "--channels", defaultValue = "1") int channels;
        @Option(names = "--classes", required = true) int classes;

        @Option(names = "--out", required = true, description = "Output Parquet path or Hadoop URI.")
        String out;

        @picocli.CommandLine.Mixin
        Common common = new Common();

        @Override
        public Integer call() {
            if (!format.matches("csv|json|parquet")) {
                throw new IllegalArgumentException("--format '" + format + "' is not allowed; allowed: csv, json, parquet");
            }
            SparkSession spark = SparkSessions.get("dptrain prepare table", common.master);
            Dataset<Row> raw = InputTables.read(spark, input, format, List.of("csv", "json", "parquet"), true);
            Dataset<Row> table = ImageTable.fromTable(raw, labelCol, pixelsCol, new ImageShape(height, width, channels, classes));
            ImageTable.writeParquet(table, out, common.overwrite);
            System.out.println("prepared " + spark.read().parquet(out).count() + " rows -> " + out);
            return 0;
        }
    }

    /** Options of the text preparation (tokenizing, vocabulary, cut/pad length, stratified split). */
    static class TextOptions {
        @Option(names = "--max-length", defaultValue = "200", description = "Tokens kept per text (default: ${DEFAULT-VALUE}).")
        int maxLength;

        @Option(names = "--vocabulary-size", defaultValue = "20000", description = "Ids in the vocabulary, <pad> and <unk> included (default: ${DEFAULT-VALUE}).")
        int vocabularySize;

        @Option(names = "--min-count", defaultValue = "2", description = "Words seen fewer times in training are unknown (default: ${DEFAULT-VALUE}).")
        long minCount;

        @Option(names = "--test-fraction", defaultValue = "0.2", description = "Share of each class held out for testing (default: ${DEFAULT-VALUE}).")
        double testFraction;

        @Option(names = "--seed", defaultValue = "42", description = "Seed of the stratified split (default: ${DEFAULT-VALUE}).")
        long seed;

        TextPreparation.Options options() {
            return new TextPreparation.Options(maxLength, vocabularySize, minCount, testFraction, seed);
        }
    }

    static int prepareText(LabeledTexts texts, TextOptions options, String prefix, boolean overwrite) {
        System.out.println("classes found: " + texts.counts());
        TextPreparation.Result r = TextPreparation.run(texts, options.options(), prefix, overwrite);
        System.out.println("prepared " + r.train().rows() + " train and " + r.test().rows() + " test texts -> "
                + r.trainPath() + ", " + r.testPath() + "; vocabulary of " + r.vocabulary().size() + " -> "
                + r.vocabularyPath());
        System.out.println("texts cut to " + options.maxLength + " tokens: " + (r.train().cutTexts() + r.test().cutTexts())
                + "; empty texts (kept as one unknown token): " + (r.train().emptyTexts() + r.test().emptyTexts()));
        return 0;
    }

    /** The headers {@code prepare spam-assassin} keeps unless told otherwise. */
    static final String DEFAULT_HEADERS = "From,Content-Type,X-Mailer,User-Agent";

    @Command(name = "spam-assassin", mixinStandardHelpOptions = true,
            description = "SpamAssassin corpus (jobs/fetch-data.sh spam-assassin) -> <out>/spam-assassin-{train,test}.parquet + -vocabulary.txt.")
    static final class SpamAssassin implements Callable<Integer> {
        @Option(names = "--source", defaultValue = "data/spam-assassin/package/data", description = "Corpus folder with the group folders (default: ${DEFAULT-VALUE}).")
        String source;

        @Option(names = "--out", defaultValue = "data/prepared", description = "Output folder (default: ${DEFAULT-VALUE}).")
        String out;

        @Option(names = "--headers", defaultValue = DEFAULT_HEADERS, split = ",",
                description = "Top-level mail headers kept as 'Name: value' lines after the subject, comma-separated,"
                        + " or 'none' (default: ${DEFAULT-VALUE}). The sender, the mail program and the content type"
                        + " are what spam filters read besides the words; routing headers (Received, To, List-*)"
                        + " would teach this corpus's collection, not spam.")
        List<String> headers;

        @picocli.CommandLine.Mixin
        TextOptions text = new TextOptions();

        @picocli.CommandLine.Mixin
        Common common = new Common();

        @Override
        public Integer call() {
            List<String> kept = headers.equals(List.of("none")) ? List.of() : headers;
            MailParser.checkHeaderNames(kept);
            SparkSession spark = SparkSessions.get("dptrain prepare spam-assassin", common.master);
            SpamAssassinCorpus.Result corpus = SpamAssassinCorpus.read(spark, source, kept);
            System.out.println("read " + corpus.count() + " mails " + corpus.groups() + "; undecodable bytes replaced: "
                    + corpus.replacedBytes() + " in " + corpus.messagesWithReplacements() + " mails");
            String prefix = out + "/spam-assassin";
            prepareText(TextTable.fromTable(corpus.messages(), "text", "label"), text, prefix, common.overwrite);
            String recipe = recipe(kept);
            writeLine(spark, prefix + PREPARATION_SUFFIX, recipe);
            System.out.println("preparation recorded in " + prefix + PREPARATION_SUFFIX + ": " + recipe);
            return 0;
        }

        /** The options that shaped the tables, spelled as the command that makes them again. */
        String recipe(List<String> kept) {
            return String.format(Locale.ROOT, "dptrain prepare spam-assassin --headers %s --max-length %d"
                            + " --vocabulary-size %d --min-count %d --test-fraction %s --seed %d",
                    kept.isEmpty() ? "none" : String.join(",", kept), text.maxLength, text.vocabularySize,
                    text.minCount, text.testFraction, text.seed);
        }
    }

    /**
     * Suffix of the file next to the spam-assassin tables that records how they were made, so a script can tell
     * tables made with other options from the ones it needs (jobs/bench-text.sh does).
     */
    static final String PREPARATION_SUFFIX = "-preparation.txt";

    /** Writes one line to a (Hadoop) file, replacing it. */
    private static void writeLine(SparkSession spark, String file, String line) {
        try {
            Path path = new Path(file);
            FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
            try (FSDataOutputStream stream = fs.create(path, true)) {
                stream.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    @Command(name = "text", mixinStandardHelpOptions = true,
            description = "Any (text, label) table, CSV with header, JSON lines or Parquet, any number of classes -> <prefix>-{train,test}.parquet + -vocabulary.txt.")
    static final class Text implements Callable<Integer> {
        @Option(names = "--input", required = true, description = "Input table path or Hadoop URI.")
        String input;

        @Option(names = "--format", defaultValue = "csv", description = "csv, json or parquet (default: ${DEFAULT-VALUE}).")
        String format;

        @Option(names = "--text-col", defaultValue = "text", description = "Text column (default: ${DEFAULT-VALUE}).")
        String textCol;

        @Option(names = "--label-col", defaultValue = "label", description = "Label column, strings or integers (default: ${DEFAULT-VALUE}).")
        String labelCol;

        @Option(names = "--out-prefix", required = true, description = "Output prefix, e.g. data/prepared/reviews.")
        String prefix;

        @picocli.CommandLine.Mixin
        TextOptions text = new TextOptions();

        @picocli.CommandLine.Mixin
        Common common = new Common();

        @Override
        public Integer call() {
            SparkSession spark = SparkSessions.get("dptrain prepare text", common.master);
            return prepareText(TextTable.read(spark, input, format, textCol, labelCol), text, prefix, common.overwrite);
        }
    }
}
