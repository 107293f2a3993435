package io.dptrain.data.text;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Tag("unit")
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MailParserTest {

    /** Joins lines with CRLF, as mail on the wire, in ISO-8859-1 (one byte per char). */
    private static byte[] mail(String... lines) {
        return String.join("\r\n", lines).getBytes(ISO_8859_1);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Test
    void separatesHeadersFromBodyAndUnfoldsTheSubject() {
        ParsedMail m = MailParser.parse(mail(
                "From someone@example.com  Thu Aug 22 13:17:22 2002",
                "Return-Path: <someone@example.com>",
                "Subject: A folded",
                "\tsubject line",
                "X-Other: Subject: not this one",
                "",
                "First line of the body.",
                "Subject: this is body text, not a header",
                ""));

        assertThat(m.subject()).isEqualTo("A folded subject line");
        assertThat(m.body()).isEqualTo("First line of the body.\n"
                + "Subject: this is body text, not a header");
        assertThat(m.replacedBytes()).isZero();
        assertThat(m.text()).isEqualTo(m.subject() + "\n" + m.body());
    }

    @Test
    void decodesEncodedWordSubjects() {
        ParsedMail m = MailParser.parse(mail(
                "Subject: =?UTF-8?Q?Caf=C3=A9_au_lait?= =?ISO-8859-1?B?Y2Fm6Q==?=",
                "  and =?big5?B?pHe2V6Rs?= tail",
                "",
                "body"));

        // Whitespace between adjacent encoded-words goes; around plain words it stays.
        assertThat(m.subject()).isEqualTo("Café au laitcafé and " + new String(
                new byte[] {(byte) 0xA4, 0x77, (byte) 0xB6, 0x57, (byte) 0xA4, 0x6C},
                Charset.forName("Big5")) + " tail");
        assertThat(m.replacedBytes()).isZero();
    }

    @Test
    void missingSubjectIsEmpty() {
        ParsedMail m = MailParser.parse(mail("From: a@b.example", "", "hello"));
        assertThat(m.subject()).isEmpty();
        assertThat(m.text()).isEqualTo("\nhello");
    }

    @Test
    void keepsTheAskedHeadersAsLinesInTheAskedOrder() {
        byte[] raw = mail(
                "From spammer@example.com  Thu Aug 22 13:17:22 2002",
                "Received: from relay.example (relay.example [10.0.0.1])",
                "From: =?ISO-8859-1?Q?Ren=E9?= Deals",
                "   <deals@cheap-pills.example>",
                "To: victim@example.org",
                "Subject: Save 80%",
                "X-Mailer: Mass   Mailer 5.0",
                "Content-Type: TEXT/HTML; boundary=\"----=_x_1234\"; Charset=\"GB2312\"",
                "",
                "<html><body>Buy <b>now</b></body></html>");

        ParsedMail m = MailParser.parse(raw, List.of("x-mailer", "From", "User-Agent", "Content-Type"));

        // Name as asked, RFC 2047 decoded, folding and space runs collapsed; the missing
        // User-Agent gives no line; Content-Type keeps its media type and charset only.
        assertThat(m.headers()).isEqualTo("x-mailer: Mass Mailer 5.0\n"
                + "From: René Deals <deals@cheap-pills.example>\n"
                + "Content-Type: text/html; charset=gb2312");
        assertThat(m.text()).isEqualTo("Save 80%\n" + m.headers() + "\nBuy now");
        assertThat(MailParser.parse(raw).headers()).isEmpty();
        assertThat(MailParser.parse(raw).text()).isEqualTo("Save 80%\nBuy now");
    }

    @Test
    void cutsLongHeaderValuesAndSkipsBlankOnes() {
        ParsedMail m = MailParser.parse(mail(
                "Subject: s",
                "X-Mailer: " + "x".repeat(500),
                "User-Agent:   ",
                "",
                "body"), List.of("X-Mailer", "User-Agent"));

        assertThat(m.headers()).isEqualTo("X-Mailer: " + "x".repeat(MailParser.MAX_HEADER_CHARS));
    }

    @Test
    void rejectsBadHeaderNames() {
        byte[] raw = mail("Subject: s", "", "body");
        assertThatThrownBy(() -> MailParser.parse(raw, List.of("From", "Bad Name")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("header name 'Bad Name' is not allowed");
        assertThatThrownBy(() -> MailParser.parse(raw, List.of("From", "from")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("header name 'from' is listed twice");
        assertThatThrownBy(() -> MailParser.parse(raw, List.of("Subject")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Subject is always kept");
    }

    @Test
    void decodesQuotedPrintableInTheDeclaredCharset() {
        ParsedMail m = MailParser.parse(mail(
                "Subject: qp",
                "Content-Type: text/plain; charset=\"ISO-8859-1\"",
                "Content-Transfer-Encoding: quoted-printable",
                "",
                "Caf=E9 cr=E8me: 2 + 2 =3D 4, a soft=",
                "ly broken line, and a stray = sign=20",
                "=C3=A9 is two bytes here"));

        assertThat(m.body()).isEqualTo("Café crème: 2 + 2 = 4, a softly broken line, and a stray"
                + " = sign\nÃ© is two bytes here");
    }

    @Test
    void decodesBase64Bodies() {
        String text = "Grüße aus Köln — ünïcödé\nsecond line";
        String encoded = Base64.getMimeEncoder(20, "\r\n".getBytes(ISO_8859_1))
                .encodeToString(text.getBytes(UTF_8));
        ParsedMail m = MailParser.parse(mail(
                "Subject: b64",
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: base64",
                "",
                encoded,
                ""));

        assertThat(m.body()).isEqualTo(text);
        assertThat(m.replacedBytes()).isZero();
    }

    @Test
    void multipartAlternativePrefersPlainTextAndSkipsAttachments() {
        ParsedMail m = MailParser.parse(mail(
                "Subject: parts",
                "MIME-Version: 1.0",
                "Content-Type: multipart/mixed; boundary=\"outer\"",
                "",
                "This is a multi-part message in MIME format.",
                "--outer",
                "Content-Type: multipart/alternative; boundary=inner",
                "",
                "--inner",
                "Content-Type: text/plain; charset=us-ascii",
                "",
                "The plain version.",
                "--inner",
                "Content-Type: text/html",
                "",
                "<p>The <b>HTML</b> version.</p>",
                "--inner--",
                "--outer",
                "Content-Type: text/plain; name=notes.txt",
                "Content-Disposition: attachment; filename=notes.txt",
                "",
                "attached notes must not appear",
                "--outer",
                "Content-Type: image/png",
                "Content-Transfer-Encoding: base64",
                "",
                "iVBORw0KGgo=",
                "--outer",
                "Content-Type: text/plain",
                "Content-Disposition: inline",
                "",
                "An inline footer.",
                "--outer--",
                "epilogue is ignored"));

        assertThat(m.body()).isEqualTo("The plain version.\nAn inline footer.");
    }

    @Test
    void htmlOnlyAlternativeIsReducedToText() {
        ParsedMail m = MailParser.parse(mail(
                "Subject: html",
                "Content-Type: multipart/alternative; boundary=b",
                "",
                "--b",
                "Content-Type: text/plain",
                "",
                "   ",
                "--b",
                "Content-Type: text/html; charset=windows-1252",
                "Content-Transfer-Encoding: quoted-printable",
                "",
                "<html><head><style>p {color: red}</style><script>var x =3D 1;</script></hea=",
                "d><body><p>Buy <b>now</b> &amp; save&nbsp;50&#37;!</p>V<i></i>iagra<br>=",
                "<table><tr><td>cell1</td><td>cell2</td></tr></table>=93quoted=94 &lt;tag&gt;",
                "<!-- hidden comment --></body></html>",
                "--b--"));

        // Block tags break lines; tidying keeps at most one blank line in a row.
        assertThat(m.body()).isEqualTo("Buy now & save 50%!\nViagra\n\ncell1 cell2\n\n"
                + "\u201Cquoted\u201D <tag>");
    }

    @Test
    void htmlToTextDecodesEntitiesAndDropsTags() {
        assertThat(MailParser.htmlToText("<div>a&quot;b&#x41;&#66;</div><p>&unknown; &amp;lt;</p>"))
                .isEqualTo("a\"bAB\n\n&unknown; &lt;");
        assertThat(MailParser.htmlToText("1 < 2 and 3 > 2")).isEqualTo("1 < 2 and 3 > 2");
        assertThat(MailParser.htmlToText("<SCRIPT type=x>alert(1)</SCRIPT >ok")).isEqualTo("ok");
    }

    @Test
    void undeclaredHtmlBodyIsRecognised() {
        ParsedMail m = MailParser.parse(mail("Subject: s", "", "<HTML><BODY>Hello <B>you</B></BODY></HTML>"));
        assertThat(m.body()).isEqualTo("Hello you");
    }

    @Test
    void unknownOrMalformedCharsetFallsBackWithoutFailing() {
        byte[] utf8 = "naïve café".getBytes(UTF_8);
        byte[] latin1 = "naïve café".getBytes(ISO_8859_1);
        for (String charset : new String[] {"x-no-such-charset", "3Diso-8859-1", "?!", "",
                "default", "us-ascii"}) {
            ParsedMail a = MailParser.parse(concat(mail("Subject: =?" + (charset.isEmpty() ? "x"
                            : charset.replace("?", "")) + "?Q?caf=E9?=",
                    "Content-Type: text/plain; charset=\"" + charset + "\"", "", ""), utf8));
            ParsedMail b = MailParser.parse(concat(mail(
                    "Content-Type: text/plain; charset=" + charset, "", ""), latin1));
            // Valid UTF-8 is read as UTF-8, anything else as ISO-8859-1: nothing replaced.
            assertThat(a.body()).as(charset).isEqualTo("naïve café");
            assertThat(a.subject()).as(charset).isEqualTo("café");
            assertThat(b.body()).as(charset).isEqualTo("naïve café");
            assertThat(a.replacedBytes() + b.replacedBytes()).as(charset).isZero();
        }
    }

    @Test
    void undecodableBytesAreReplacedAndCounted() {
        byte[] body = concat("ok ".getBytes(ISO_8859_1), new byte[] {(byte) 0xFF, (byte) 0xFE},
                " mid ".getBytes(ISO_8859_1), new byte[] {(byte) 0xE2, (byte) 0x82},
                " end".getBytes(ISO_8859_1));
        ParsedMail m = MailParser.parse(concat(mail(
                "Subject: =?utf-8?B?" + Base64.getEncoder().encodeToString(new byte[] {'x', (byte) 0x80})
                        + "?=",
                "Content-Type: text/plain; charset=utf-8", "", ""), body));

        assertThat(m.body()).isEqualTo("ok \uFFFD\uFFFD mid \uFFFD end");
        assertThat(m.subject()).isEqualTo("x\uFFFD");
        // 0xFF, 0xFE, the truncated 2-byte start of a 3-byte sequence, and 0x80 in the subject.
        assertThat(m.replacedBytes()).isEqualTo(5);
    }

    @Test
    void forwardedMessagesContributeSubjectAndBody() {
        ParsedMail m = MailParser.parse(mail(
                "Subject: Fwd: news",
                "Content-Type: multipart/mixed; boundary=x",
                "",
                "--x",
                "Content-Type: text/plain",
                "",
                "See below.",
                "--x",
                "Content-Type: message/rfc822",
                "",
                "Subject: =?utf-8?Q?inner_=C3=BC?=",
                "Content-Type: text/plain",
                "",
                "Inner body.",
                "--x--"));

        assertThat(m.body()).isEqualTo("See below.\ninner ü\nInner body.");
    }

    @Test
    void malformedInputNeverFails() {
        assertThat(MailParser.parse(new byte[0])).isEqualTo(new ParsedMail("", "", "", 0));
        assertThat(MailParser.parse(mail("no headers at all, just text")).body())
                .isEqualTo("no headers at all, just text");
        assertThat(MailParser.parse(mail("Content-Type: multipart/mixed; boundary=zz", "",
                "no delimiter ever")).body()).isEqualTo("no delimiter ever");
        assertThat(MailParser.parse(mail("Content-Type: multipart/mixed", "", "no boundary")).body())
                .isEqualTo("no boundary");
        assertThat(MailParser.parse(mail("Content-Transfer-Encoding: base64", "", "@@@=A")).body())
                .isEmpty();
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 200; i++) {
            byte[] junk = new byte[random.nextInt(2000)];
            for (int j = 0; j < junk.length; j++) {
                junk[j] = (byte) random.nextInt(256);
            }
            byte[] message = concat(mail("Content-Type: multipart/mixed; boundary=b",
                    "Content-Transfer-Encoding: quoted-printable", "", "--b",
                    "Content-Type: text/html; charset=utf-8", "", ""), junk);
            assertThatCode(() -> MailParser.parse(message)).doesNotThrowAnyException();
        }
    }

    @Test
    void realQuotedPrintableHtmlSpam() {
        ParsedMail m = MailParser.parse(TextFixtures.message("spam-2", "00860"));

        assertThat(m.subject()).isEqualTo("Re: Your love life NWKFJ");
        assertThat(m.body()).startsWith("A man endowed with a 7-8\" hammer is simply")
                .doesNotContain("=3D", "<", ">");
    }

    @Test
    void realBase64Big5HtmlWithEncodedSubject() {
        ParsedMail m = MailParser.parse(TextFixtures.message("spam-2", "00977"));

        assertThat(m.subject()).isEqualTo("上次是你找我嗎?");
        assertThat(m.body()).startsWith("如何在家中利用網路兼職創業").contains("http://tighong.h8h.com.tw");
        assertThat(m.replacedBytes()).isZero();
    }

    @Test
    void realBase64MultipartAndNonUtf8Charset() {
        assertThat(MailParser.parse(TextFixtures.message("spam-1", "00472")).body())
                .startsWith("Get access to the largest free adult site on the net.");
        ParsedMail cyrillicCharset = MailParser.parse(TextFixtures.message("easy-ham-1", "00236"));
        assertThat(cyrillicCharset.subject()).isEqualTo("[ILUG] Hayes Accura ISDN PCI");
        assertThat(cyrillicCharset.body()).contains("PC World have these in stock for €65.");
    }

    @Test
    void realUndecodableBytesAreCounted() {
        ParsedMail m = MailParser.parse(TextFixtures.message("spam-2", "00588"));

        assertThat(m.subject()).contains("이멜리스트");
        assertThat(m.replacedBytes()).isEqualTo(68);
        assertThat(m.body()).contains("\uFFFD");
    }
}
