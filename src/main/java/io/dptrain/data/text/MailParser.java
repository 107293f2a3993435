package io.dptrain.data.text;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Extracts the readable subject and body text from the raw bytes of an RFC 822 / MIME e-mail,
 * using only the JDK.
 *
 * <p>What it does, in order:
 * <ul>
 *   <li>An mbox {@code From } line at the very start is skipped. Headers run to the first empty
 *       line (or the first line that is not a header); folded headers are unfolded. Header names
 *       are case-insensitive and the first occurrence of a header wins.</li>
 *   <li>The Subject keeps its text; RFC 2047 encoded-words ({@code =?charset?Q?...?=} and
 *       {@code =?charset?B?...?=}) are decoded and the whitespace between two adjacent ones is
 *       dropped. Raw 8-bit header bytes are read with the message's charset.</li>
 *   <li>Other top-level headers are kept only when asked for by name
 *       ({@link #parse(byte[], List)}), each as one {@code Name: value} line.</li>
 *   <li>Bodies are walked by {@code Content-Type}: of a {@code multipart/alternative} the
 *       {@code text/plain} part is taken, else {@code text/html}, else the first part that
 *       yields text; of any other {@code multipart/*} every part that yields text is joined;
 *       {@code message/rfc822} parts contribute their subject and body. Parts marked
 *       {@code Content-Disposition: attachment} and non-text parts (images, applications) are
 *       skipped. A multipart without a usable boundary is read as plain text. Nesting deeper
 *       than {@value #MAX_DEPTH} levels is ignored.</li>
 *   <li>{@code Content-Transfer-Encoding} {@code quoted-printable} and {@code base64} are
 *       decoded leniently (invalid escapes kept, characters outside the alphabet skipped).</li>
 *   <li>Text is decoded with the {@code charset} parameter. A missing, {@code us-ascii}, unknown
 *       or malformed charset name never fails: the bytes are read as UTF-8 when they are valid
 *       UTF-8 and as ISO-8859-1 otherwise (every byte maps, so nothing is replaced). With a
 *       known charset, bytes that are not valid in it are replaced by U+FFFD and counted in
 *       {@link ParsedMail#replacedBytes()}.</li>
 *   <li>{@code text/html} (and an undeclared body that is plainly HTML) is reduced to text by
 *       {@link #htmlToText}. Finally line ends become {@code \n}, runs of spaces one space, and
 *       blank-line runs one blank line.</li>
 * </ul>
 *
 * <p>Instances are not used: {@link #parse} is thread-safe and keeps its counter per call.
 */
public final class MailParser {

    /** Deepest multipart / message nesting that is still read. */
    public static final int MAX_DEPTH = 12;
    /** Longest kept header value, in characters; the rest is cut. */
    public static final int MAX_HEADER_CHARS = 200;

    /** Charset names that mean "not stated": read with the UTF-8 / ISO-8859-1 fallback. */
    private static final Set<String> UNSTATED = Set.of("us-ascii", "ascii", "default",
            "default_charset", "unknown", "unknown-8bit", "x-unknown",
            // Java maps "unicode" to UTF-16, which turns the ASCII these mails hold into garbage.
            "unicode");
    private static final Map<String, String> CHARSET_ALIASES = Map.of(
            "chinesebig5", "Big5",
            "gb2312_charset", "GB2312",
            "x-gbk", "GBK");
    private static final Pattern ENCODED_WORD =
            Pattern.compile("=\\?([^?\\s]+)\\?([bBqQ])\\?([^?\\s]*)\\?=");
    /** An RFC 5322 field name: printable US-ASCII except the colon. */
    private static final Pattern FIELD_NAME = Pattern.compile("[!-9;-~]+");
    private static final Pattern HTML_SNIFF =
            Pattern.compile("<\\s*(html|body)\\b", Pattern.CASE_INSENSITIVE);

    private static final Pattern COMMENT = Pattern.compile("<!--.*?(-->|$)", Pattern.DOTALL);
    private static final Pattern SCRIPT_STYLE = Pattern.compile(
            "<\\s*(script|style)\\b[^>]{0,10000}>.*?(<\\s*/\\s*\\1\\s*>|$)",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern BLOCK_TAG = Pattern.compile(
            "<\\s*/?\\s*(br|p|div|tr|li|ul|ol|dl|dt|dd|h[1-6]|table|blockquote|pre|hr|title"
                    + "|center|form)\\b[^>]{0,10000}>", Pattern.CASE_INSENSITIVE);
    private static final Pattern CELL_TAG =
            Pattern.compile("<\\s*/?\\s*(td|th|img)\\b[^>]{0,10000}>", Pattern.CASE_INSENSITIVE);
    private static final Pattern OTHER_TAG = Pattern.compile("<[a-zA-Z/!?][^>]{0,10000}>");
    private static final Pattern ENTITY = Pattern.compile(
            "&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z][a-zA-Z0-9]{1,9}));");
    private static final Map<String, String> NAMED_ENTITIES = Map.ofEntries(
            Map.entry("amp", "&"), Map.entry("lt", "<"), Map.entry("gt", ">"),
            Map.entry("quot", "\""), Map.entry("apos", "'"), Map.entry("nbsp", " "),
            Map.entry("copy", "\u00A9"), Map.entry("reg", "\u00AE"),
            Map.entry("trade", "\u2122"), Map.entry("euro", "\u20AC"),
            Map.entry("pound", "\u00A3"), Map.entry("cent", "\u00A2"),
            Map.entry("yen", "\u00A5"), Map.entry("sect", "\u00A7"),
            Map.entry("deg", "\u00B0"), Map.entry("middot", "\u00B7"),
            Map.entry("bull", "\u2022"), Map.entry("hellip", "\u2026"),
            Map.entry("ndash", "\u2013"), Map.entry("mdash", "\u2014"),
            Map.entry("lsquo", "\u2018"), Map.entry("rsquo", "\u2019"),
            Map.entry("ldquo", "\u201C"), Map.entry("rdquo", "\u201D"),
            Map.entry("laquo", "\u00AB"), Map.entry("raquo", "\u00BB"),
            Map.entry("times", "\u00D7"));
    private static final Pattern SPACES = Pattern.compile("[ \\t\\f\\u000B\\u00A0]+");

    /** Bytes replaced so far in this parse. */
    private int replaced;

    private MailParser() {
    }

    /**
     * Parses one raw message without keeping any header but the Subject. Never fails on
     * malformed input: whatever cannot be read as MIME is read as plain text.
     *
     * @param raw the message exactly as stored (headers, empty line, body), not null
     * @return the decoded subject and body, and the number of replaced bytes
     */
    public static ParsedMail parse(byte[] raw) {
        return parse(raw, List.of());
    }

    /**
     * Parses one raw message and keeps the named top-level headers as text, as a spam filter
     * reads the sender, the mail program and the kind of content besides the words. Never fails
     * on malformed input.
     *
     * <p>Each named header present in the message becomes one line {@code Name: value}, in the
     * order of {@code headers}, with the name as given: RFC 2047 encoded-words decoded, folding
     * and whitespace runs collapsed to single spaces, cut to {@value #MAX_HEADER_CHARS}
     * characters so one forged header cannot crowd out the body. {@code Content-Type} keeps only
     * its media type and {@code charset} ({@code text/html; charset=gb2312}): its other
     * parameters, such as the boundary, are random strings. Missing or blank headers give no
     * line.
     *
     * @param raw     the message exactly as stored (headers, empty line, body), not null
     * @param headers header names to keep (case-insensitive, each a valid RFC 5322 field name,
     *                no duplicates, not {@code Subject}, which is always kept); empty for none
     * @return the decoded subject, the kept header lines, the body, and the number of replaced
     *         bytes
     * @throws IllegalArgumentException for an invalid, duplicate or {@code Subject} header name
     */
    public static ParsedMail parse(byte[] raw, List<String> headers) {
        Objects.requireNonNull(raw, "raw");
        checkHeaderNames(headers);
        MailParser parser = new MailParser();
        Entity message = Entity.parse(raw, 0, raw.length, true);
        String subject = parser.subject(message);
        String kept = parser.headerLines(message, headers);
        String body = parser.text(message, "text/plain", 0);
        return new ParsedMail(tidy(subject).replace('\n', ' '), kept, tidy(body), parser.replaced);
    }

    /**
     * Checks a list of header names to keep.
     *
     * @param headers header names
     * @throws IllegalArgumentException naming the first name that is not a valid RFC 5322 field
     *                                  name, a duplicate (case-insensitive) or {@code Subject}
     */
    public static void checkHeaderNames(List<String> headers) {
        Objects.requireNonNull(headers, "headers");
        Set<String> seen = new HashSet<>();
        for (String name : headers) {
            if (name == null || !FIELD_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("header name '" + name + "' is not allowed;"
                        + " allowed: a mail header field name (printable ASCII without spaces or"
                        + " ':'), e.g. From, Content-Type, X-Mailer");
            }
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.equals("subject")) {
                throw new IllegalArgumentException("header name '" + name + "' is not allowed:"
                        + " the Subject is always kept, as the text's first line");
            }
            if (!seen.add(lower)) {
                throw new IllegalArgumentException("header name '" + name + "' is listed twice"
                        + " in " + headers);
            }
        }
    }

    /**
     * Reduces HTML to its visible text: comments, {@code script} and {@code style} elements go;
     * block tags ({@code br p div tr li h1..h6 table ...}) become line breaks, table cells and
     * images a space, every other tag nothing (as a browser renders {@code V<b></b>iagra});
     * then entities are decoded: the common named ones ({@code &amp; &lt; &gt; &quot; &apos;
     * &nbsp;} and a few typographic ones) and numeric {@code &#NN;} / {@code &#xHH;}. Unknown
     * entities stay as written.
     *
     * @param html HTML text, not null
     * @return the text, whitespace tidied
     */
    public static String htmlToText(String html) {
        Objects.requireNonNull(html, "html");
        String s = COMMENT.matcher(html).replaceAll(" ");
        s = SCRIPT_STYLE.matcher(s).replaceAll(" ");
        s = BLOCK_TAG.matcher(s).replaceAll("\n");
        s = CELL_TAG.matcher(s).replaceAll(" ");
        s = OTHER_TAG.matcher(s).replaceAll("");
        return tidy(decodeEntities(s));
    }

    private String subject(Entity message) {
        String value = message.header("subject");
        if (value == null) {
            return "";
        }
        String charset = ContentType.parse(message.header("content-type"), "text/plain")
                .param("charset");
        return decodeHeader(value, charset);
    }

    /** The kept header lines of the message, {@code Name: value} each, joined by newlines. */
    private String headerLines(Entity message, List<String> names) {
        if (names.isEmpty()) {
            return "";
        }
        String charset = ContentType.parse(message.header("content-type"), "text/plain")
                .param("charset");
        StringBuilder lines = new StringBuilder();
        for (String name : names) {
            String raw = message.header(name.toLowerCase(Locale.ROOT));
            if (raw == null || raw.isBlank()) {
                continue;
            }
            String value;
            if (name.equalsIgnoreCase("content-type")) {
                ContentType type = ContentType.parse(raw, "text/plain");
                String typeCharset = type.param("charset");
                value = type.mime() + (typeCharset == null || typeCharset.isBlank() ? ""
                        : "; charset=" + typeCharset.trim().toLowerCase(Locale.ROOT));
            } else {
                value = decodeHeader(raw, charset);
            }
            value = SPACES.matcher(value.replaceAll("[\\r\\n]+", " ")).replaceAll(" ").strip();
            if (value.length() > MAX_HEADER_CHARS) {
                value = value.substring(0, MAX_HEADER_CHARS);
            }
            if (!value.isEmpty()) {
                lines.append(lines.length() == 0 ? "" : "\n").append(name).append(": ")
                        .append(value);
            }
        }
        return lines.toString();
    }

    /** The text of one entity, by its content type. */
    private String text(Entity entity, String defaultType, int depth) {
        if (depth > MAX_DEPTH) {
            return "";
        }
        if (depth > 0 && entity.isAttachment()) {
            return "";
        }
        ContentType type = ContentType.parse(entity.header("content-type"), defaultType);
        String mime = type.mime();
        if (mime.startsWith("multipart/")) {
            String boundary = type.param("boundary");
            List<Entity> parts = boundary == null || boundary.isEmpty()
                    ? List.of() : entity.parts(boundary);
            if (parts.isEmpty()) {
                return decodeBody(entity, type);
            }
            String childDefault = mime.equals("multipart/digest") ? "message/rfc822"
                    : "text/plain";
            if (mime.equals("multipart/alternative")) {
                return alternative(parts, childDefault, depth);
            }
            StringBuilder joined = new StringBuilder();
            for (Entity part : parts) {
                String text = text(part, childDefault, depth + 1);
                if (!text.isBlank()) {
                    joined.append(joined.length() == 0 ? "" : "\n").append(text);
                }
            }
            return joined.toString();
        }
        if (mime.equals("message/rfc822")) {
            byte[] bytes = transferDecode(entity);
            Entity inner = Entity.parse(bytes, 0, bytes.length, true);
            String subject = subject(inner);
            String body = text(inner, "text/plain", depth + 1);
            return subject.isBlank() ? body : subject + "\n" + body;
        }
        if (mime.equals("text/html")) {
            return htmlToText(decodeBody(entity, type));
        }
        if (mime.startsWith("text/")) {
            String text = decodeBody(entity, type);
            boolean undeclaredHtml = !type.declared() && HTML_SNIFF.matcher(text).find();
            return undeclaredHtml ? htmlToText(text) : text;
        }
        return "";
    }

    /** The preferred alternative: plain text, else HTML, else the first one with text. */
    private String alternative(List<Entity> parts, String childDefault, int depth) {
        List<Entity> ranked = new ArrayList<>(parts.size());
        for (int rank = 2; rank >= 0; rank--) {
            for (Entity part : parts) {
                String mime = ContentType.parse(part.header("content-type"), childDefault).mime();
                int r = mime.equals("text/plain") ? 2 : mime.equals("text/html") ? 1 : 0;
                if (r == rank) {
                    ranked.add(part);
                }
            }
        }
        for (Entity part : ranked) {
            String text = text(part, childDefault, depth + 1);
            if (!text.isBlank()) {
                return text;
            }
        }
        return "";
    }

    private String decodeBody(Entity entity, ContentType type) {
        return decode(transferDecode(entity), type.param("charset"));
    }

    /** Decodes a header value: encoded-words by their own charset, raw 8-bit bytes by {@code charset}. */
    private String decodeHeader(String value, String charset) {
        StringBuilder out = new StringBuilder();
        Matcher m = ENCODED_WORD.matcher(value);
        int last = 0;
        boolean afterWord = false;
        while (m.find()) {
            String between = value.substring(last, m.start());
            if (!(afterWord && between.isBlank())) {
                out.append(decode(between.getBytes(ISO_8859_1), charset));
            }
            byte[] bytes = m.group(2).equalsIgnoreCase("B")
                    ? base64(m.group(3).getBytes(ISO_8859_1))
                    : quotedPrintable(m.group(3).replace('_', ' ').getBytes(ISO_8859_1));
            out.append(decode(bytes, m.group(1)));
            last = m.end();
            afterWord = true;
        }
        out.append(decode(value.substring(last).getBytes(ISO_8859_1), charset));
        return out.toString();
    }

    /** Decodes bytes in the named charset, or by the fallback when it is missing or unknown. */
    private String decode(byte[] bytes, String charsetName) {
        if (isAscii(bytes)) {
            return new String(bytes, ISO_8859_1);
        }
        Charset charset = charset(charsetName);
        if (charset != null) {
            return decodeCounting(bytes, charset);
        }
        try {
            return UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return new String(bytes, ISO_8859_1);
        }
    }

    /** Decodes with U+FFFD for each malformed or unmappable sequence, counting its bytes. */
    private String decodeCounting(byte[] bytes, Charset charset) {
        CharsetDecoder decoder = charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(Math.max(16, bytes.length));
        StringBuilder text = new StringBuilder(bytes.length);
        while (true) {
            CoderResult result = decoder.decode(in, out, true);
            if (result.isError()) {
                drain(out, text);
                text.append('\uFFFD');
                replaced += result.length();
                in.position(in.position() + result.length());
            } else if (result.isOverflow()) {
                drain(out, text);
            } else {
                break;
            }
        }
        while (decoder.flush(out).isOverflow()) {
            drain(out, text);
        }
        drain(out, text);
        return text.toString();
    }

    private static void drain(CharBuffer out, StringBuilder text) {
        out.flip();
        text.append(out);
        out.clear();
    }

    /** The JDK charset for a declared name, or null when it is unstated, unknown or malformed. */
    static Charset charset(String name) {
        if (name == null) {
            return null;
        }
        String n = name.trim().toLowerCase(Locale.ROOT);
        int language = n.indexOf('*');
        if (language >= 0) {
            n = n.substring(0, language);
        }
        if (n.isEmpty() || UNSTATED.contains(n)) {
            return null;
        }
        try {
            return Charset.forName(CHARSET_ALIASES.getOrDefault(n, n));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] transferDecode(Entity entity) {
        String encoding = entity.header("content-transfer-encoding");
        String e = encoding == null ? "" : encoding.trim().toLowerCase(Locale.ROOT);
        byte[] body = entity.body();
        if (e.startsWith("quoted-printable")) {
            return quotedPrintable(body);
        }
        if (e.startsWith("base64")) {
            return base64(body);
        }
        return body;
    }

    /**
     * Decodes quoted-printable: {@code =XX} becomes the byte, {@code =} before a line end (soft
     * break) disappears, anything else is kept as written.
     */
    static byte[] quotedPrintable(byte[] d) {
        byte[] out = new byte[d.length];
        int n = 0;
        int i = 0;
        while (i < d.length) {
            byte b = d[i];
            if (b != '=') {
                out[n++] = b;
                i++;
                continue;
            }
            int j = i + 1;
            while (j < d.length && (d[j] == ' ' || d[j] == '\t')) {
                j++;
            }
            if (j == d.length) {
                i = j;
            } else if (d[j] == '\n') {
                i = j + 1;
            } else if (d[j] == '\r') {
                i = j + 1 < d.length && d[j + 1] == '\n' ? j + 2 : j + 1;
            } else if (i + 2 < d.length && hex(d[i + 1]) >= 0 && hex(d[i + 2]) >= 0) {
                out[n++] = (byte) (hex(d[i + 1]) * 16 + hex(d[i + 2]));
                i += 3;
            } else {
                out[n++] = b;
                i++;
            }
        }
        return Arrays.copyOf(out, n);
    }

    /**
     * Decodes base64 leniently: characters outside the alphabet (line ends, spaces) are
     * skipped, {@code =} ends a run (runs concatenated after padding are each decoded), and a
     * dangling final character is dropped.
     */
    static byte[] base64(byte[] d) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(d.length * 3 / 4 + 3);
        byte[] run = new byte[d.length];
        int n = 0;
        for (byte b : d) {
            if (b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '+'
                    || b == '/') {
                run[n++] = b;
            } else if (b == '=') {
                decodeRun(run, n, out);
                n = 0;
            }
        }
        decodeRun(run, n, out);
        return out.toByteArray();
    }

    private static void decodeRun(byte[] run, int n, ByteArrayOutputStream out) {
        int usable = n % 4 == 1 ? n - 1 : n;
        if (usable == 0) {
            return;
        }
        ByteBuffer decoded = Base64.getDecoder().decode(ByteBuffer.wrap(run, 0, usable));
        out.write(decoded.array(), decoded.arrayOffset() + decoded.position(), decoded.remaining());
    }

    private static int hex(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        if (b >= 'A' && b <= 'F') {
            return b - 'A' + 10;
        }
        if (b >= 'a' && b <= 'f') {
            return b - 'a' + 10;
        }
        return -1;
    }

    private static String decodeEntities(String s) {
        Matcher m = ENTITY.matcher(s);
        StringBuilder out = new StringBuilder(s.length());
        while (m.find()) {
            String replacement = m.group();
            if (m.group(3) != null) {
                replacement = NAMED_ENTITIES.getOrDefault(m.group(3).toLowerCase(Locale.ROOT),
                        replacement);
            } else {
                int codePoint = m.group(1) != null ? Integer.parseInt(m.group(1))
                        : Integer.parseInt(m.group(2), 16);
                if (codePoint > 0 && Character.isValidCodePoint(codePoint)
                        && !(codePoint >= 0xD800 && codePoint <= 0xDFFF)) {
                    replacement = codePoint == 0xA0 ? " " : new String(Character.toChars(codePoint));
                }
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Line ends to {@code \n}, space runs to one space, lines trimmed, blank runs to one. */
    static String tidy(String s) {
        String[] lines = s.replace("\r\n", "\n").replace('\r', '\n').split("\n", -1);
        StringBuilder out = new StringBuilder(s.length());
        boolean blank = false;
        for (String line : lines) {
            String t = SPACES.matcher(line).replaceAll(" ").strip();
            if (t.isEmpty()) {
                blank = out.length() > 0;
                continue;
            }
            if (out.length() > 0) {
                out.append(blank ? "\n\n" : "\n");
            }
            out.append(t);
            blank = false;
        }
        return out.toString();
    }

    /** A parsed content type: lower-case {@code type/subtype} and lower-case parameter names. */
    private record ContentType(String mime, Map<String, String> params, boolean declared) {

        static ContentType parse(String header, String defaultMime) {
            if (header == null || header.isBlank()) {
                return new ContentType(defaultMime, Map.of(), false);
            }
            List<String> pieces = splitParameters(header);
            String mime = pieces.get(0).trim().toLowerCase(Locale.ROOT);
            if (!mime.matches("[a-z0-9!#$&.+^_-]+/[a-z0-9!#$&.+^_-]+")) {
                mime = "text/plain";
            }
            Map<String, String> params = new HashMap<>();
            for (String piece : pieces.subList(1, pieces.size())) {
                int eq = piece.indexOf('=');
                if (eq > 0) {
                    params.putIfAbsent(piece.substring(0, eq).trim().toLowerCase(Locale.ROOT),
                            unquote(piece.substring(eq + 1).trim()));
                }
            }
            return new ContentType(mime, params, true);
        }

        String param(String name) {
            return params.get(name);
        }

        /** Splits at semicolons outside double quotes. */
        private static List<String> splitParameters(String header) {
            List<String> pieces = new ArrayList<>();
            StringBuilder piece = new StringBuilder();
            boolean quoted = false;
            for (int i = 0; i < header.length(); i++) {
                char c = header.charAt(i);
                if (c == '"') {
                    quoted = !quoted;
                } else if (c == '\\' && quoted && i + 1 < header.length()) {
                    piece.append(c).append(header.charAt(++i));
                    continue;
                } else if (c == ';' && !quoted) {
                    pieces.add(piece.toString());
                    piece.setLength(0);
                    continue;
                }
                piece.append(c);
            }
            pieces.add(piece.toString());
            return pieces;
        }

        private static String unquote(String value) {
            if (value.startsWith("\"")) {
                StringBuilder out = new StringBuilder();
                for (int i = 1; i < value.length(); i++) {
                    char c = value.charAt(i);
                    if (c == '\\' && i + 1 < value.length()) {
                        out.append(value.charAt(++i));
                    } else if (c == '"') {
                        break;
                    } else {
                        out.append(c);
                    }
                }
                return out.toString();
            }
            int space = 0;
            while (space < value.length() && !Character.isWhitespace(value.charAt(space))) {
                space++;
            }
            return value.substring(0, space);
        }
    }

    /**
     * One MIME entity: its headers (lower-case names, values as ISO-8859-1 so every byte is
     * kept) and the byte range of its body inside {@code data}.
     */
    private record Entity(Map<String, String> headers, byte[] data, int bodyFrom, int bodyTo) {

        /** Reads the headers of the entity in {@code data[from, to)}. */
        static Entity parse(byte[] data, int from, int to, boolean message) {
            int pos = from;
            if (message && startsWith(data, pos, to, "From ")) {
                pos = nextLine(data, pos, to);
            }
            Map<String, String> headers = new HashMap<>();
            String name = null;
            StringBuilder value = null;
            while (pos < to) {
                int next = nextLine(data, pos, to);
                int end = lineEnd(data, pos, next);
                if (end == pos) {
                    pos = next;
                    break;
                }
                if (data[pos] == ' ' || data[pos] == '\t') {
                    if (name == null) {
                        break;
                    }
                    value.append(new String(data, pos, end - pos, ISO_8859_1));
                    pos = next;
                    continue;
                }
                int colon = headerColon(data, pos, end);
                if (colon < 0) {
                    break;
                }
                if (name != null) {
                    headers.putIfAbsent(name, value.toString().trim());
                }
                name = new String(data, pos, colon - pos, ISO_8859_1).trim()
                        .toLowerCase(Locale.ROOT);
                value = new StringBuilder(new String(data, colon + 1, end - colon - 1,
                        ISO_8859_1));
                pos = next;
            }
            if (name != null) {
                headers.putIfAbsent(name, value.toString().trim());
            }
            return new Entity(headers, data, Math.min(pos, to), to);
        }

        String header(String name) {
            return headers.get(name);
        }

        byte[] body() {
            return Arrays.copyOfRange(data, bodyFrom, bodyTo);
        }

        boolean isAttachment() {
            String disposition = header("content-disposition");
            return disposition != null
                    && disposition.trim().toLowerCase(Locale.ROOT).startsWith("attachment");
        }

        /**
         * The body parts between {@code --boundary} lines, up to {@code --boundary--} (or the
         * end when the closing line is missing); preamble and epilogue are dropped.
         */
        List<Entity> parts(String boundary) {
            byte[] delimiter = ("--" + boundary).getBytes(ISO_8859_1);
            List<Entity> parts = new ArrayList<>();
            int partStart = -1;
            int pos = bodyFrom;
            while (pos < bodyTo) {
                int next = nextLine(data, pos, bodyTo);
                int end = lineEnd(data, pos, next);
                if (startsWith(data, pos, end, delimiter)) {
                    int after = pos + delimiter.length;
                    boolean close = end - after >= 2 && data[after] == '-' && data[after + 1] == '-';
                    if (close || isBlank(data, after, end)) {
                        if (partStart >= 0) {
                            parts.add(parse(data, partStart, lineEnd(data, partStart, pos),
                                    false));
                        }
                        if (close) {
                            return parts;
                        }
                        partStart = next;
                    }
                }
                pos = next;
            }
            if (partStart >= 0 && partStart < bodyTo) {
                parts.add(parse(data, partStart, bodyTo, false));
            }
            return parts;
        }

        /** Index of the colon ending a valid field name at {@code pos}, or -1. */
        private static int headerColon(byte[] d, int pos, int end) {
            int i = pos;
            while (i < end && d[i] > 32 && d[i] < 127 && d[i] != ':') {
                i++;
            }
            int nameEnd = i;
            while (i < end && (d[i] == ' ' || d[i] == '\t')) {
                i++;
            }
            return nameEnd > pos && i < end && d[i] == ':' ? i : -1;
        }

        private static int nextLine(byte[] d, int pos, int to) {
            for (int i = pos; i < to; i++) {
                if (d[i] == '\n') {
                    return i + 1;
                }
            }
            return to;
        }

        /**
         * End of the content of the line {@code [pos, next)}, before its LF or CRLF; also
         * drops the line break before a delimiter line, which belongs to the delimiter.
         */
        private static int lineEnd(byte[] d, int pos, int next) {
            int end = next;
            if (end > pos && d[end - 1] == '\n') {
                end--;
            }
            if (end > pos && d[end - 1] == '\r') {
                end--;
            }
            return end;
        }

        private static boolean startsWith(byte[] d, int pos, int end, String prefix) {
            return startsWith(d, pos, end, prefix.getBytes(ISO_8859_1));
        }

        private static boolean startsWith(byte[] d, int pos, int end, byte[] prefix) {
            if (end - pos < prefix.length) {
                return false;
            }
            for (int i = 0; i < prefix.length; i++) {
                if (d[pos + i] != prefix[i]) {
                    return false;
                }
            }
            return true;
        }

        private static boolean isBlank(byte[] d, int from, int to) {
            for (int i = from; i < to; i++) {
                if (d[i] != ' ' && d[i] != '\t') {
                    return false;
                }
            }
            return true;
        }
    }
}
