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
        ParsedMail m = MailParser.parse(TextFixtures.message("spam-1", "00311"));

        // The Big5 subject's encoded-word ends inside a two-byte character.
        assertThat(m.subject()).startsWith("re:我知道你需要更多機會").contains("\uFFFD");
        assertThat(m.replacedBytes()).isEqualTo(1);
    }

    @Test
    void textAfterTheEndOfBase64IsNotDecodedAsBase64() {
        ParsedMail m = MailParser.parse(TextFixtures.message("spam-2", "00588"));

        // The mailing list appended a plain-text footer after the base64 padding of this EUC-KR
        // body. The hand-written decoder read that footer as base64 too, which gave 68 bytes of
        // invalid EUC-KR (replaced and counted); mime4j ends the base64 data at its padding.
        assertThat(m.subject()).contains("이멜리스트");
        assertThat(m.body()).endsWith("2593kbTE4-794gRaI4880SaFB6-835pSrN3736MShr0-132VpQp9247lIyo7-932GuwT0770stEkl72")
                .doesNotContain("\uFFFD");
        assertThat(m.replacedBytes()).isZero();
    }

    @Test
    void rfc2231ParametersAreDecoded() {
        byte[] cyrillic = "Привет, мир".getBytes(Charset.forName("KOI8-R"));
        ParsedMail m = MailParser.parse(concat(mail(
                "Subject: 2231",
                "Content-Type: multipart/mixed; boundary=b",
                "",
                "--b",
                // Language-tagged charset and a filename split into encoded continuations.
                "Content-Type: text/plain; charset*=us-ascii'en'koi8-r;",
                "  name*0*=utf-8''%D0%BF%D1%80%D0%B8; name*1*=%D0%B2%D0%B5%D1%82.txt",
                "Content-Disposition: inline; filename*=utf-8''%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82.txt",
                "",
                ""), cyrillic, mail(
                "",
                "--b",
                "Content-Type: text/plain; charset=utf-8",
                "Content-Disposition: attachment; filename*0*=utf-8''notes; filename*1=.txt",
                "",
                "attached notes must not appear",
                "--b--")));

        assertThat(m.body()).isEqualTo("Привет, мир");
        assertThat(m.replacedBytes()).isZero();

        ParsedMail top = MailParser.parse(concat(mail(
                "Subject: top", "Content-Type: text/plain; charset*=us-ascii'en'koi8-r", "", ""),
                cyrillic), List.of("Content-Type"));
        assertThat(top.headers()).isEqualTo("Content-Type: text/plain; charset=koi8-r");
        assertThat(top.body()).isEqualTo("Привет, мир");
    }

    @Test
    void htmlAttributeWithGreaterThanDoesNotLeakMarkup() {
        assertThat(MailParser.htmlToText("<a title=\"a>b\" href='x>y'>click</a> here"))
                .isEqualTo("click here");
        assertThat(MailParser.htmlToText("x<img alt=\"1 > 0\">y<table><tr><td title=\">\">a</td>"
                + "<td>b</td></tr></table>")).isEqualTo("x y\n\na b");
    }

    @Test
    void html5NamedEntitiesAreDecoded() {
        // &hellip; was in the hand-written table of 27 names; the others were not, and the table
        // was looked up in lower case (so &Eacute; gave é). jsoup knows HTML5's 2,231 names and
        // the legacy ones without a semicolon.
        assertThat(MailParser.htmlToText(
                "Wait&hellip; &check; &frac12; &rarr; &Eacute;t&eacute; &NotEqual; caf&eacute &nbsp;x"))
                .isEqualTo("Wait\u2026 \u2713 \u00BD \u2192 Été \u2260 café x");
    }

    @Test
    void nestedAlternativesInsideMixedEachGiveOnePart() {
        ParsedMail m = MailParser.parse(mail(
                "Subject: nested",
                "Content-Type: multipart/mixed; boundary=mixed",
                "",
                "--mixed",
                "Content-Type: multipart/alternative; boundary=alt1",
                "",
                "--alt1",
                "Content-Type: multipart/related; boundary=rel1",
                "",
                "--rel1",
                "Content-Type: text/html",
                "",
                "<p>First as HTML</p>",
                "--rel1",
                "Content-Type: image/gif",
                "Content-Transfer-Encoding: base64",
                "",
                "R0lGODlh",
                "--rel1--",
                "--alt1",
                "Content-Type: text/plain",
                "",
                "First as plain text.",
                "--alt1--",
                "--mixed",
                "Content-Type: multipart/alternative; boundary=alt2",
                "",
                "--alt2",
                "Content-Type: text/plain",
                "",
                "  ",
                "--alt2",
                "Content-Type: multipart/related; boundary=rel2",
                "",
                "--rel2",
                "Content-Type: text/html; charset=utf-8",
                "Content-Transfer-Encoding: quoted-printable",
                "",
                "<div>Second, only <b>in HTML</b> =E2=80=93 inside related</div>",
                "--rel2--",
                "--alt2--",
                "--mixed",
                "Content-Type: text/plain",
                "",
                "Footer.",
                "--mixed--"));

        // Plain text preferred in the first alternative; in the second the plain part is blank,
        // so the related part (rank: neither plain nor HTML) gives its HTML.
        assertThat(m.body()).isEqualTo("First as plain text.\nSecond, only in HTML \u2013 inside related\nFooter.");
    }

    @Test
    void nestingDeeperThanTheLimitIsIgnored() {
        int levels = MailParser.MAX_DEPTH + 3;
        StringBuilder message = new StringBuilder("Subject: deep\r\n");
        for (int i = 0; i < levels; i++) {
            message.append("Content-Type: multipart/mixed; boundary=b").append(i).append("\r\n\r\n")
                    .append("--b").append(i).append("\r\nContent-Type: text/plain\r\n\r\nlevel ")
                    .append(i).append("\r\n--b").append(i).append("\r\n");
        }
        message.append("Content-Type: text/plain\r\n\r\ninnermost\r\n");
        for (int i = levels - 1; i >= 0; i--) {
            message.append("--b").append(i).append("--\r\n");
        }

        String body = MailParser.parse(message.toString().getBytes(ISO_8859_1)).body();

        // The message is depth 0; the text part of multipart i sits at depth i + 1.
        assertThat(body).contains("level 0", "level " + (MailParser.MAX_DEPTH - 1))
                .doesNotContain("level " + MailParser.MAX_DEPTH, "innermost");
    }

    @Test
    void headersBeyondTheBoundsAreReadAsText() {
        StringBuilder headers = new StringBuilder("Subject: many\r\n");
        for (int i = 0; i <= MailParser.MAX_HEADER_COUNT; i++) {
            headers.append("X-Junk-").append(i).append(": x\r\n");
        }
        ParsedMail many = MailParser.parse(mail(headers + "", "body"));
        ParsedMail longLine = MailParser.parse(mail(
                "Subject: long", "To: " + "a".repeat(MailParser.MAX_HEADER_LINE_BYTES), "", "body"));

        assertThat(many.subject()).isEmpty();
        assertThat(many.body()).startsWith("Subject: many\nX-Junk-0: x").endsWith("body");
        assertThat(longLine.body()).startsWith("Subject: long\nTo: aaa").endsWith("body");
    }
}
