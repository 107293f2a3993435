package io.dptrain.data.text;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dptrain.LocalSparkTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SpamAssassinCorpusTest extends LocalSparkTest {

    @TempDir
    Path dir;

    @Test
    void readsTheFixtureWithCountsPerLabelAndGroup() {
        SpamAssassinCorpus.Result corpus = SpamAssassinCorpus.read(spark(),
                TextFixtures.spamMini().toString());

        assertThat(corpus.count()).isEqualTo(43);
        assertThat(corpus.labels()).isEqualTo(Map.of("ham", 22L, "spam", 21L));
        assertThat(corpus.groups()).isEqualTo(TextFixtures.GROUPS);
        // spam-1/00311 has 1 byte that is not valid in its charset (spam-2/00588's 68 were a
        // list footer decoded as base64, see MailParserTest).
        assertThat(corpus.replacedBytes()).isEqualTo(1);
        assertThat(corpus.messagesWithReplacements()).isEqualTo(1);

        assertThat(corpus.messages().columns()).containsExactly("id", "text", "label", "group");
        List<Row> rows = corpus.messages().collectAsList();
        assertThat(rows).hasSize(43);
        assertThat(rows.stream().map(r -> r.getString(0)).distinct()).hasSize(43);
        Row big5 = corpus.messages().where(col("id").equalTo("spam-2/00977")).first();
        assertThat(big5.getString(1)).startsWith("上次是你找我嗎?\n如何在家中利用網路兼職創業");
        assertThat(big5.getString(2)).isEqualTo("spam");
        assertThat(big5.getString(3)).isEqualTo("spam-2");
        Row ham = corpus.messages().where(col("id").equalTo("hard-ham-1/00183")).first();
        assertThat(ham.getString(1)).startsWith("[SAtalk] OT: Can Weblogs Reach Ronald Scelson?\n"
                + "Made me chuckle.");
        assertThat(ham.getString(2)).isEqualTo("ham");
    }

    @Test
    void keepsTheAskedHeadersBetweenSubjectAndBody() {
        SpamAssassinCorpus.Result corpus = SpamAssassinCorpus.read(spark(),
                TextFixtures.spamMini().toString(), List.of("From", "Content-Type", "X-Mailer", "User-Agent"));

        assertThat(corpus.count()).isEqualTo(43);
        Row ham = corpus.messages().where(col("id").equalTo("hard-ham-1/00183")).first();
        assertThat(ham.getString(1)).startsWith("[SAtalk] OT: Can Weblogs Reach Ronald Scelson?\n"
                + "From: \"rODbegbie\" <rOD@arsecandle.org>\n"
                + "Content-Type: multipart/signed\n"
                + "X-Mailer: Microsoft Outlook Express 6.00.2600.0000\n"
                + "Made me chuckle.");
        Row spam = corpus.messages().where(col("id").equalTo("spam-2/00977")).first();
        assertThat(spam.getString(1)).startsWith("上次是你找我嗎?\n"
                + "From: coolman@giga.net.tw\n"
                + "Content-Type: multipart/related\n"
                + "X-Mailer: 2DgDIOn5nwogS5Q\n"
                + "如何在家中利用網路兼職創業");
        assertThatThrownBy(() -> SpamAssassinCorpus.read(spark(), TextFixtures.spamMini().toString(),
                List.of("Received", "received")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("header name 'received' is listed twice");
    }

    @Test
    void rejectsFolderWithoutMessages() throws IOException {
        Files.writeString(dir.resolve("00001.abc.json"), "{}");
        assertThatThrownBy(() -> SpamAssassinCorpus.read(spark(), dir.toString()))
                .hasMessageStartingWith("no messages (*.txt files) under " + dir);
    }

    @Test
    void rejectsMessagesOutsideHamAndSpamGroups() throws IOException {
        Files.createDirectories(dir.resolve("spam-9"));
        Files.createDirectories(dir.resolve("misc"));
        Files.writeString(dir.resolve("spam-9/00001.abc.txt"), "Subject: s\n\nbuy");
        Files.writeString(dir.resolve("misc/00002.def.txt"), "Subject: ?\n\nwho knows");
        assertThatThrownBy(() -> SpamAssassinCorpus.read(spark(), dir.toString()))
                .hasMessageStartingWith("1 messages under " + dir + " are in folder 'misc',"
                        + " which is neither a spam group (spam*) nor a ham group (*ham*), e.g. ")
                .hasMessageEndingWith("misc/00002.def.txt");
    }
}
