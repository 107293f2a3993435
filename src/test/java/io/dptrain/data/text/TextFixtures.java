package io.dptrain.data.text;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Test helper locating the committed SpamAssassin fixture and reading its messages. */
final class TextFixtures {

    /** Messages in the fixture per group, as committed. */
    static final Map<String, Long> GROUPS = Map.of(
            "easy-ham-1", 8L, "easy-ham-2", 7L, "hard-ham-1", 7L, "spam-1", 11L, "spam-2", 10L);

    private TextFixtures() {
    }

    /**
     * Returns the fixture folder, from the {@code dptrain.fixtures} system property that
     * surefire sets, or the source folder when run from an IDE.
     *
     * @return {@code .../fixtures/spam-mini}
     */
    static Path spamMini() {
        String root = System.getProperty("dptrain.fixtures", "src/test/resources/fixtures");
        return Path.of(root, "spam-mini");
    }

    /**
     * Reads the raw bytes of the fixture message {@code <group>/<number>.*.txt}.
     *
     * @param group  the group folder
     * @param number the five-digit message number
     * @return the raw message
     */
    static byte[] message(String group, String number) {
        try (var files = Files.list(spamMini().resolve(group))) {
            Path file = files.filter(p -> p.getFileName().toString().startsWith(number + "."))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no fixture message "
                            + group + "/" + number));
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
