/**
 * Runs Apache Zeppelin 0.11 notes ({@code .zpln} JSON) outside Zeppelin, the way Zeppelin's Spark
 * interpreter group does, so the notes under {@code notebooks/} are executed by the tests and from
 * the command line ({@code jobs/run-notebook.sh}).
 *
 * <p>{@link io.dptrain.notebook.ZeppelinNote} reads, validates and writes the note format;
 * {@link io.dptrain.notebook.NotebookRunner} runs every paragraph in order ({@code %spark} in Spark's
 * Scala 2.12 REPL, {@code %sql} through {@code spark.sql}, {@code %md} left as it is) and records
 * each paragraph's output in Zeppelin's {@code results} field; {@link io.dptrain.notebook.ZeppelinContext}
 * is the {@code z} object the paragraphs see. Zeppelin's own interpreter is not used because its
 * Spark 3.5 build is not published to Maven Central.
 */
package io.dptrain.notebook;
