package io.dptrain.cli;

import io.dptrain.notebook.NotebookRunner;
import io.dptrain.notebook.ResultMessage;
import io.dptrain.notebook.ZeppelinNote;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code dptrain notebook notebooks/X.zpln [--out executed.zpln] [--param name=value ...]} ({@code jobs/run-notebook.sh}). */
@Command(name = "notebook", mixinStandardHelpOptions = true,
        description = {"Run a Zeppelin 0.11 note (.zpln) as Zeppelin's Spark interpreter does: every paragraph in order, "
                + "%spark in Spark's Scala REPL (spark, sc, z bound), %sql through spark.sql, %md left as it is.",
                "Prints each paragraph's output; a failing paragraph stops the run (exit 1) naming it. With --out, writes "
                        + "the executed note, each paragraph's output in Zeppelin's 'results', to open in Zeppelin."})
final class NotebookCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NOTE", description = "The note, e.g. notebooks/fashion-mnist-cnn.zpln.")
    Path note;

    @Option(names = "--out", paramLabel = "FILE", description = "Where to write the executed note (replaced if it exists).")
    Path out;

    @Option(names = "--param", paramLabel = "NAME=VALUE",
            description = "Value for the note's z.textbox / z.select form NAME instead of its default (repeatable).")
    Map<String, String> params = new LinkedHashMap<>();

    @Option(names = "--max-result", defaultValue = "" + NotebookRunner.DEFAULT_MAX_RESULT,
            description = "Rows z.show and %sql show (default: ${DEFAULT-VALUE}, Zeppelin's zeppelin.spark.maxResult).")
    int maxResult;

    @Option(names = "--master", defaultValue = "local[*]",
            description = "Spark master when not under spark-submit (default: ${DEFAULT-VALUE}).")
    String master;

    @Override
    public Integer call() {
        long start = System.nanoTime();
        NotebookRunner runner = new NotebookRunner(SparkSessions.conf("dptrain notebook " + note.getFileName(), master))
                .maxResult(maxResult);
        params.forEach(runner::param);
        ZeppelinNote executed = runner.run(note);
        for (ZeppelinNote.Paragraph paragraph : executed.paragraphs()) {
            if (paragraph.results().isEmpty()) {
                continue;
            }
            System.out.println("--- paragraph " + paragraph.number() + " (" + paragraph.id() + ")");
            for (ResultMessage message : paragraph.results()) {
                String data = message.data().endsWith("\n") ? message.data() : message.data() + "\n";
                // HTML is mostly markup and embedded images: its size says enough on a terminal.
                System.out.print(message.type() == ResultMessage.Type.HTML
                        ? "[html, " + message.data().length() + " characters]\n" : data);
            }
        }
        if (out != null) {
            executed.write(out);
        }
        System.out.printf("ran note %s (%d paragraphs) in %.1f s%s%n", executed.name(), executed.paragraphs().size(),
                (System.nanoTime() - start) / 1e9, out == null ? "" : " -> " + out);
        return 0;
    }
}
