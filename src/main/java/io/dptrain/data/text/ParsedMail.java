package io.dptrain.data.text;

import java.util.Objects;

/**
 * The readable text of one e-mail, as {@link MailParser} extracts it.
 *
 * @param subject       the decoded Subject header, empty when the message has none
 * @param headers       the header lines asked for ({@link MailParser#parse(byte[], java.util.List)}), one
 *                      {@code Name: value} line each in the order asked, joined by {@code \n};
 *                      empty when none was asked for or present
 * @param body          the decoded text of the body: the preferred text part of each
 *                      {@code multipart/alternative}, every text part of other multiparts, HTML
 *                      reduced to text, attachments left out; lines end with {@code \n}
 * @param replacedBytes how many input bytes could not be decoded in their declared charset and
 *                      were replaced by U+FFFD, over the subject and all text parts
 */
public record ParsedMail(String subject, String headers, String body, int replacedBytes) {

    /**
     * Checks the fields.
     *
     * @param subject       the decoded subject, not null
     * @param headers       the kept header lines, not null
     * @param body          the decoded body, not null
     * @param replacedBytes at least 0
     */
    public ParsedMail {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(body, "body");
        if (replacedBytes < 0) {
            throw new IllegalArgumentException("replacedBytes must be >= 0, got " + replacedBytes);
        }
    }

    /**
     * Returns the text a classifier reads: the subject, a newline, the kept header lines (if
     * any) and a newline, then the body.
     *
     * @return {@code subject + "\n" + body}, or {@code subject + "\n" + headers + "\n" + body}
     */
    public String text() {
        return subject + "\n" + (headers.isEmpty() ? "" : headers + "\n") + body;
    }
}
