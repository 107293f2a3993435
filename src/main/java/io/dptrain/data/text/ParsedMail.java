package io.dptrain.data.text;

import java.util.Objects;

/**
 * The readable text of one e-mail, as {@link MailParser} extracts it.
 *
 * @param subject       the decoded Subject header, empty when the message has none
 * @param body          the decoded text of the body: the preferred text part of each
 *                      {@code multipart/alternative}, every text part of other multiparts, HTML
 *                      reduced to text, attachments left out; lines end with {@code \n}
 * @param replacedBytes how many input bytes could not be decoded in their declared charset and
 *                      were replaced by U+FFFD, over the subject and all text parts
 */
public record ParsedMail(String subject, String body, int replacedBytes) {

    /**
     * Checks the fields.
     *
     * @param subject       the decoded subject, not null
     * @param body          the decoded body, not null
     * @param replacedBytes at least 0
     */
    public ParsedMail {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(body, "body");
        if (replacedBytes < 0) {
            throw new IllegalArgumentException("replacedBytes must be >= 0, got " + replacedBytes);
        }
    }

    /**
     * Returns the text a classifier reads: the subject, a newline, then the body.
     *
     * @return {@code subject + "\n" + body}
     */
    public String text() {
        return subject + "\n" + body;
    }
}
