package io.dptrain.notebook;

import io.dptrain.notebook.ParagraphCode.Interpreter;
import io.dptrain.notebook.ResultMessage.Type;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The note format without Spark: every {@code notebooks/*.zpln} is a Zeppelin note (name, id, a
 * paragraphs array whose entries have an id, unique within the note, and a text); malformed notes are
 * refused naming the problem; prefixes and printed output are read as Zeppelin reads them.
 */
@Tag("unit")
@Timeout(30)
class NotebookFormatTest {

    @Test
    void everyNoteInTheRepositoryIsAZeppelinNote() throws IOException {
        List<Path> notes;
        try (Stream<Path> files = Files.list(Path.of("notebooks"))) {
            notes = files.filter(f -> f.toString().endsWith(".zpln")).sorted().toList();
        }
        assertThat(notes).isNotEmpty();
        for (Path file : notes) {
            ZeppelinNote note = ZeppelinNote.read(file);
            assertThat(note.name()).as(file.toString()).isNotBlank();
            assertThat(note.id()).as(file.toString()).isNotBlank();
            assertThat(note.paragraphs()).as(file.toString()).isNotEmpty();
            Set<String> ids = new HashSet<>();
            for (ZeppelinNote.Paragraph paragraph : note.paragraphs()) {
                assertThat(ids.add(paragraph.id())).as(file + " paragraph id " + paragraph.id() + " unique").isTrue();
            }
        }
    }

    @Test
    void malformedNotesAreRefusedNamingTheProblem() {
        assertThatThrownBy(() -> ZeppelinNote.parse("n.zpln", "{\"name\": \"n\", \"id\": \"N\""))
                .hasMessageContaining("note n.zpln is not valid JSON");
        assertThatThrownBy(() -> ZeppelinNote.parse("n.zpln", "{\"id\": \"N\", \"paragraphs\": []}"))
                .hasMessageContaining("note n.zpln needs a string 'name'");
        assertThatThrownBy(() -> ZeppelinNote.parse("n.zpln", "{\"name\": \"n\", \"id\": \"N\"}"))
                .hasMessageContaining("note n.zpln has no 'paragraphs' array");
        assertThatThrownBy(() -> ZeppelinNote.parse("n.zpln",
                "{\"name\": \"n\", \"id\": \"N\", \"paragraphs\": [{\"id\": \"a\"}]}"))
                .hasMessageContaining("paragraph 1 of note n.zpln needs a string 'text'");
        assertThatThrownBy(() -> ZeppelinNote.parse("n.zpln", "{\"name\": \"n\", \"id\": \"N\", \"paragraphs\": "
                + "[{\"id\": \"a\", \"text\": \"\"}, {\"id\": \"a\", \"text\": \"\"}]}"))
                .hasMessageContaining("paragraph 2 of note n.zpln repeats the id 'a'");
    }

    @Test
    void prefixesNameTheInterpreterAsInZeppelin() {
        assertThat(ParagraphCode.parse("%spark\nval x = 1", "spark"))
                .isEqualTo(new ParagraphCode(Interpreter.SCALA, "val x = 1"));
        assertThat(ParagraphCode.parse("val x = 1", "spark"))
                .isEqualTo(new ParagraphCode(Interpreter.SCALA, "val x = 1"));
        assertThat(ParagraphCode.parse("%sql select 1", "spark")).isEqualTo(new ParagraphCode(Interpreter.SQL, "select 1"));
        assertThat(ParagraphCode.parse("%spark.sql(pool=a)\nselect 1", "spark"))
                .isEqualTo(new ParagraphCode(Interpreter.SQL, "select 1"));
        assertThat(ParagraphCode.parse("%md\n# title", "spark").interpreter()).isEqualTo(Interpreter.MARKDOWN);
        assertThatThrownBy(() -> ParagraphCode.parse("%sparkling\n1", "spark")).as("a prefix is a whole name")
                .hasMessageContaining("interpreter %sparkling");
        assertThatThrownBy(() -> ParagraphCode.parse("%pyspark\nprint(1)", "spark"))
                .hasMessageContaining("interpreter %pyspark (pyspark.pyspark) is not supported");
    }

    @Test
    void printedOutputIsSplitIntoTypedMessagesByZeppelinsMarkers() {
        assertThat(ResultMessage.parse("")).isEmpty();
        assertThat(ResultMessage.parse("x: Int = 1\n")).containsExactly(new ResultMessage(Type.TEXT, "x: Int = 1\n"));
        assertThat(ResultMessage.parse("before\n%table a\tb\n1\t2\n%text after\n%html <b>x</b>\n"))
                .containsExactly(new ResultMessage(Type.TEXT, "before\n"), new ResultMessage(Type.TABLE, "a\tb\n1\t2\n"),
                        new ResultMessage(Type.TEXT, "after\n"), new ResultMessage(Type.HTML, "<b>x</b>\n"));
        assertThat(ResultMessage.parse("%table\na\n1\n%text ")).containsExactly(new ResultMessage(Type.TABLE, "a\n1\n"));
        assertThat(ResultMessage.parse("50%html is not a marker\n%htmlx neither\n"))
                .containsExactly(new ResultMessage(Type.TEXT, "50%html is not a marker\n%htmlx neither\n"));
    }
}
