package io.dptrain.notebook;

import io.dptrain.LocalSparkTest;
import io.dptrain.notebook.ResultMessage.Type;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Runs small synthetic notes (src/test/resources/notebooks) through {@link NotebookRunner} on
 * {@code local[2]}: what each kind of paragraph records in the executed copy, and that a compile error,
 * an exception on an executor or a misspelt parameter fails the run naming the note and the paragraph.
 * Each run starts and stops its own session, hence the tag "notebook" (a JVM without the shared one).
 */
@Tag("notebook")
@Timeout(300)
class NotebookRunnerTest {
    private static final Path NOTES = Path.of("src/test/resources/notebooks");

    private static NotebookRunner runner() {
        return new NotebookRunner(LocalSparkTest.localConf("dptrain-notebook-test"));
    }

    @Test
    void everyKindOfParagraphRecordsItsOutputAsZeppelinWould(@TempDir Path tmp) {
        ZeppelinNote executed = runner().param("limit", "5").maxResult(3).run(NOTES.resolve("runner-tour.zpln"));
        Path out = tmp.resolve("executed/runner-tour.zpln");
        executed.write(out);
        ZeppelinNote note = ZeppelinNote.read(out);
        List<ZeppelinNote.Paragraph> p = note.paragraphs();

        assertThat(p.get(0).results()).as("%md is left as it is").isEmpty();
        assertThat(p.get(0).status()).isEqualTo("READY");

        assertThat(p.get(1).status()).isEqualTo("FINISHED");
        assertThat(p.get(1).results()).singleElement().satisfies(m -> {
            assertThat(m.type()).isEqualTo(Type.TEXT);
            assertThat(m.data()).contains("doubled sum: 10100.0").contains("doubled: Double = 10100.0");
        });

        assertThat(p.get(2).results()).as("the textbox returned the parameter 5, not its default 1000")
                .singleElement().satisfies(m -> assertThat(m.data()).contains("limit: Int = 5"));

        assertThat(p.get(3).results()).as("z.show: at most maxResult rows, then the note that rows were cut")
                .containsExactly(new ResultMessage(Type.TABLE, "id\tvalue\n1\t0.5\n2\t1.0\n3\t1.5\n"),
                        new ResultMessage(Type.HTML, "<font color=red>Results are limited by 3 rows.</font>\n"),
                        new ResultMessage(Type.TEXT, "shown\n"));

        assertThat(p.get(4).results()).as("%sql on the same session")
                .containsExactly(new ResultMessage(Type.TABLE, "n\ttotal\n5\t7.5\n"));

        assertThat(p.get(5).results()).as("a printed %html line, and z.get of the count z.put earlier")
                .containsExactly(new ResultMessage(Type.TEXT, "before the html\n"),
                        new ResultMessage(Type.HTML, "<b>5 readings</b>\n"));

        assertThat(p.get(6).status()).as("disabled").isEqualTo("READY");
        assertThat(p.get(7).results()).as("empty").isEmpty();
        assertThat(note.toJson()).as("Zeppelin's fields are kept").contains("\"defaultInterpreterGroup\" : \"spark\"")
                .contains("\"limit\" : \"5\"");
    }

    @Test
    void aCompileErrorFailsTheRunNamingNoteParagraphAndError() {
        assertThatThrownBy(() -> runner().run(NOTES.resolve("compile-error.zpln")))
                .isInstanceOf(NotebookException.class)
                .hasMessageContaining("note compile-error")
                .hasMessageContaining("paragraph 3 (id p-compile) failed")
                .hasMessageContaining("error: type mismatch")
                .hasMessageNotContaining("never runs");
    }

    @Test
    void anExceptionOnAnExecutorFailsTheRunNamingNoteParagraphAndError() {
        assertThatThrownBy(() -> runner().run(NOTES.resolve("runtime-error.zpln")))
                .isInstanceOf(NotebookException.class)
                .hasMessageContaining("note runtime-error")
                .hasMessageContaining("paragraph 2 (id p-throws) failed")
                .hasMessageContaining("IllegalStateException: boom at 3");
    }

    @Test
    void aParameterNoFormAsksForFailsTheRun() {
        assertThatThrownBy(() -> runner().param("limt", "5").run(NOTES.resolve("one-form.zpln")))
                .isInstanceOf(NotebookException.class)
                .hasMessageContaining("note one-form")
                .hasMessageContaining("[limt]");
    }
}
