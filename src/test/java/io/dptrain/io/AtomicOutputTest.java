package io.dptrain.io;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(30)
class AtomicOutputTest {
    @TempDir
    java.nio.file.Path dir;
    FileSystem fs;

    @BeforeEach
    void localFileSystem() throws IOException {
        fs = FileSystem.getLocal(new Configuration()).getRaw();
    }

    @Test
    void writesAFolderAndReplacesAnExistingOneOnlyWhenAllowed() throws IOException {
        Path target = new Path(dir.resolve("out").toUri());
        AtomicOutput.write(fs, target, false, tmp -> writeText(new Path(tmp, "a.txt"), "first"));
        assertThatThrownBy(() -> AtomicOutput.write(fs, target, false, tmp -> writeText(new Path(tmp, "a.txt"), "x")))
                .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining(target.toString());
        AtomicOutput.write(fs, target, true, tmp -> writeText(new Path(tmp, "b.txt"), "second"));

        assertThat(Files.readString(dir.resolve("out/b.txt"))).isEqualTo("second");
        assertThat(dir.resolve("out/a.txt")).doesNotExist();
        assertThat(names()).containsExactly("out");
    }

    @Test
    void aFailedWriteLeavesTheOldOutputAndNoTemporary() throws IOException {
        Path target = new Path(dir.resolve("model.bin").toUri());
        AtomicOutput.writeFile(fs, target, false, out -> out.write(1));
        assertThatThrownBy(() -> AtomicOutput.writeFile(fs, target, true, out -> {
            out.write(2);
            throw new IOException("disk full");
        })).hasMessage("disk full");

        assertThat(Files.readAllBytes(dir.resolve("model.bin"))).containsExactly(1);
        assertThat(names()).containsExactly("model.bin");
    }

    @Test
    void createsTheParentFolder() throws IOException {
        Path target = new Path(dir.resolve("a/b/file.txt").toUri());
        AtomicOutput.writeFile(fs, target, false, out -> out.write("x".getBytes(StandardCharsets.UTF_8)));
        assertThat(Files.readString(dir.resolve("a/b/file.txt"))).isEqualTo("x");
    }

    private void writeText(Path file, String text) throws IOException {
        try (var out = fs.create(file, false)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    private java.util.List<String> names() throws IOException {
        try (Stream<java.nio.file.Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
