package io.dptrain.data.text;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.james.mime4j.codec.Base64InputStream;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.codec.QuotedPrintableInputStream;
import org.apache.james.mime4j.dom.BinaryBody;
import org.apache.james.mime4j.dom.Body;
import org.apache.james.mime4j.dom.Entity;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.dom.SingleBody;
import org.apache.james.mime4j.dom.TextBody;
import org.apache.james.mime4j.dom.field.ContentTypeField;
import org.apache.james.mime4j.message.BasicBodyFactory;
import org.apache.james.mime4j.message.BodyFactory;
import org.apache.james.mime4j.message.DefaultMessageBuilder;
import org.apache.james.mime4j.message.MultipartImpl;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.stream.MimeConfig;
import org.apache.james.mime4j.util.ByteSequence;
import org.apache.james.mime4j.util.CharsetUtil;
import org.apache.james.mime4j.util.MimeParameterMapping;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.select.NodeVisitor;

/**
 * Extracts the readable subject and body text from the raw bytes of an RFC 822 / MIME e-mail.
 * The MIME structure (headers, unfolding, multipart boundaries, {@code message/rfc822},
 * quoted-printable and base64) is parsed by Apache James mime4j in permissive mode, as spam is
 * often malformed; HTML is parsed by jsoup.
 *
 * <p>What it does, in order:
 * <ul>
 *   <li>An mbox {@code From } line at the very start is skipped. Headers run to the first empty
 *       line or the first line that is not a header, which starts the body. Header names are
 *       case-insensitive and the first occurrence of a header wins.</li>
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
 *       skipped. A multipart without a boundary is read as plain text, one whose boundary never
 *       occurs by its preamble. Nesting deeper than {@value #MAX_DEPTH} levels is ignored.</li>
 *   <li>Text is decoded with the {@code charset} parameter (RFC 2231 forms such as
 *       {@code charset*=us-ascii'en'koi8-r} included). A missing, {@code us-ascii}, unknown or
 *       malformed charset name never fails: the bytes are read as UTF-8 when they are valid
 *       UTF-8 and as ISO-8859-1 otherwise (every byte maps, so nothing is replaced). With a
 *       known charset, bytes that are not valid in it are replaced by U+FFFD and counted in
 *       {@link ParsedMail#replacedBytes()}.</li>
 *   <li>{@code text/html} (and an undeclared body that is plainly HTML) is reduced to text by
 *       {@link #htmlToText}. Finally line ends become {@code \n}, runs of spaces one space, and
 *       blank-line runs one blank line.</li>
 *   <li>A message whose headers break the bounds below ({@value #MAX_HEADER_COUNT} fields, lines
 *       of {@value #MAX_HEADER_LINE_BYTES} bytes) is not read as MIME: its bytes are the body.</li>
 * </ul>
 *
 * <p>Still written here, because no library fit:
 * <ul>
 *   <li>Charset decoding, with its fallbacks and the count of replaced bytes: mime4j's text
 *       bodies and decoded headers go through the JDK's replacing decoders, which neither report
 *       nor count, and it reads raw 8-bit header bytes as US-ASCII. So bodies are decoded here
 *       from mime4j's transfer-decoded bytes, and header values from their raw bytes, with a
 *       {@link CharsetDecoder} that reports each malformed or unmappable sequence.</li>
 *   <li>For the same reason, the scan for RFC 2047 encoded-words (one regular expression):
 *       mime4j's {@code DecoderUtil} returns only the decoded string. Their bytes are decoded
 *       by mime4j's base64 and quoted-printable streams.</li>
 *   <li>RFC 2231 parameters of {@code Content-Type}: mime4j's lenient Content-Type field
 *       leaves {@code charset*} undecoded (only its Content-Disposition field applies RFC 2231),
 *       so its parameters are passed through mime4j's {@link MimeParameterMapping}.</li>
 *   <li>Which HTML elements break lines: jsoup's {@code Element.text()} puts a whole document
 *       on one line, so a small visitor over jsoup's tree emits line breaks at block elements
 *       and spaces at cells.</li>
 *   <li>The mbox {@code From } line: not part of RFC 822; mime4j would take it as the start
 *       of the body.</li>
 * </ul>
 *
 * <p>Instances are not used: {@link #parse} is thread-safe and keeps its counter per call.
 */
public final class MailParser {

    /** Deepest multipart / message nesting that is still read. */
    public static final int MAX_DEPTH = 12;
    /** Longest kept header value, in characters; the rest is cut. */
    public static final int MAX_HEADER_CHARS = 200;
    /** Most header fields per entity that mime4j reads; a bound against hostile input. */
    public static final int MAX_HEADER_COUNT = 1000;
    /** Longest header line, in bytes, that mime4j reads; a bound against hostile input. */
    public static final int MAX_HEADER_LINE_BYTES = 100_000;

    private static final MimeConfig MIME = MimeConfig.copy(MimeConfig.PERMISSIVE)
            // A line that is not a header ends the headers instead of being dropped.
            .setMalformedHeaderStartsBody(true)
            .setMaxHeaderCount(MAX_HEADER_COUNT)
            .setMaxLineLen(MAX_HEADER_LINE_BYTES)
            // One field with its folded lines.
            .setMaxHeaderLen(10 * MAX_HEADER_LINE_BYTES)
            .build();
    /** Keeps every body as its transfer-decoded bytes: charsets are decoded here, counting. */
    private static final BodyFactory BYTES = new BodyFactory() {
        private final BasicBodyFactory bodies = new BasicBodyFactory();

        @Override
        public BinaryBody binaryBody(InputStream in) throws IOException {
            return bodies.binaryBody(in);
        }

        @Override
        public TextBody textBody(InputStream in, String mimeCharset) throws IOException {
            return bodies.textBody(in.readAllBytes(), ISO_8859_1);
        }
    };

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
    private static final Pattern MEDIA_TYPE =
            Pattern.compile("[a-z0-9!#$&.+^_-]+/[a-z0-9!#$&.+^_-]+");
    /** An RFC 5322 field name: printable US-ASCII except the colon. */
    private static final Pattern FIELD_NAME = Pattern.compile("[!-9;-~]+");
    private static final Pattern HTML_SNIFF =
            Pattern.compile("<\\s*(html|body)\\b", Pattern.CASE_INSENSITIVE);
    /** HTML elements that start and end a line, as a browser renders them. */
    private static final Set<String> BLOCK_TAGS = Set.of("br", "p", "div", "tr", "li", "ul",
            "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote",
            "pre", "hr", "title", "center", "form");
    /** HTML elements that stand for a space: table cells and images. */
    private static final Set<String> CELL_TAGS = Set.of("td", "th", "img");
    /** Elements without content: one break or space, not one at each end. */
    private static final Set<String> VOID_TAGS = Set.of("br", "hr", "img");
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
        Message message;
        try {
            message = read(withoutMboxFromLine(raw));
        } catch (IOException e) {
            // Headers beyond MIME's bounds: the bytes are all there is to read.
            return new ParsedMail("", "", tidy(parser.decode(raw, null)), parser.replaced);
        }
        String subject = parser.subject(message);
        String kept = parser.headerLines(message, headers);
        String body = parser.text(message, 0);
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
     * Reduces HTML to its visible text, as jsoup parses it (HTML5 rules, all named entities):
     * comments, {@code script} and {@code style} go; block elements ({@code br p div tr li
     * h1..h6 table ...}) become line breaks, table cells and images a space, every other tag
     * nothing (as a browser renders {@code V<b></b>iagra}). Unknown entities stay as written.
     *
     * @param html HTML text, not null
     * @return the text, whitespace tidied
     */
    public static String htmlToText(String html) {
        Objects.requireNonNull(html, "html");
        StringBuilder text = new StringBuilder(html.length());
        NodeVisitor visitor = new NodeVisitor() {
            @Override
            public void head(Node node, int depth) {
                if (node instanceof TextNode t) {
                    text.append(t.getWholeText());
                } else if (node instanceof Element e) {
                    text.append(separator(e));
                }
            }

            @Override
            public void tail(Node node, int depth) {
                if (node instanceof Element e && !VOID_TAGS.contains(e.normalName())) {
                    text.append(separator(e));
                }
            }
        };
        visitor.traverse(Jsoup.parse(html));
        return tidy(text.toString());
    }

    private static String separator(Element element) {
        String tag = element.normalName();
        return BLOCK_TAGS.contains(tag) ? "\n" : CELL_TAGS.contains(tag) ? " " : "";
    }

    private static Message read(byte[] raw) throws IOException {
        DefaultMessageBuilder builder = new DefaultMessageBuilder();
        builder.setMimeEntityConfig(MIME);
        builder.setDecodeMonitor(DecodeMonitor.SILENT);
        builder.setBodyFactory(BYTES);
        return builder.parseMessage(new ByteArrayInputStream(raw));
    }

    /** The message without a leading mbox {@code From } line. */
    private static byte[] withoutMboxFromLine(byte[] raw) {
        if (raw.length < 5 || !new String(raw, 0, 5, ISO_8859_1).equals("From ")) {
            return raw;
        }
        int i = 0;
        while (i < raw.length && raw[i] != '\n') {
            i++;
        }
        return i + 1 >= raw.length ? new byte[0] : Arrays.copyOfRange(raw, i + 1, raw.length);
    }

    private String subject(Entity message) {
        String value = rawValue(message, "Subject");
        return value == null ? "" : decodeHeader(value, charsetParameter(message));
    }

    /** The kept header lines of the message, {@code Name: value} each, joined by newlines. */
    private String headerLines(Entity message, List<String> names) {
        if (names.isEmpty()) {
            return "";
        }
        String charset = charsetParameter(message);
        StringBuilder lines = new StringBuilder();
        for (String name : names) {
            String raw = rawValue(message, name);
            if (raw == null || raw.isBlank()) {
                continue;
            }
            String value;
            if (name.equalsIgnoreCase("content-type")) {
                String typeCharset = charsetParameter(message);
                value = mimeType(message) + (typeCharset == null || typeCharset.isBlank() ? ""
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
    private String text(Entity entity, int depth) {
        if (depth > MAX_DEPTH || depth > 0 && "attachment".equals(entity.getDispositionType())) {
            return "";
        }
        Body body = entity.getBody();
        if (body instanceof Multipart multipart) {
            List<Entity> parts = multipart.getBodyParts();
            if (parts.isEmpty()) {
                return preamble(multipart, charsetParameter(entity));
            }
            if (multipart.getSubType().equalsIgnoreCase("alternative")) {
                return alternative(parts, depth);
            }
            StringBuilder joined = new StringBuilder();
            for (Entity part : parts) {
                String text = text(part, depth + 1);
                if (!text.isBlank()) {
                    joined.append(joined.length() == 0 ? "" : "\n").append(text);
                }
            }
            return joined.toString();
        }
        if (body instanceof Message inner) {
            String subject = subject(inner);
            String text = text(inner, depth + 1);
            return subject.isBlank() ? text : subject + "\n" + text;
        }
        String mime = mimeType(entity);
        if (!(body instanceof SingleBody single) || !mime.startsWith("text/")) {
            return "";
        }
        String text = decode(bytes(single), charsetParameter(entity));
        if (mime.equals("text/html")) {
            return htmlToText(text);
        }
        String declared = rawValue(entity, "Content-Type");
        return (declared == null || declared.isBlank()) && HTML_SNIFF.matcher(text).find() ? htmlToText(text) : text;
    }

    /** The preferred alternative: plain text, else HTML, else the first one with text. */
    private String alternative(List<Entity> parts, int depth) {
        List<Entity> ranked = new ArrayList<>(parts.size());
        for (int rank = 2; rank >= 0; rank--) {
            for (Entity part : parts) {
                String mime = mimeType(part);
                int r = mime.equals("text/plain") ? 2 : mime.equals("text/html") ? 1 : 0;
                if (r == rank) {
                    ranked.add(part);
                }
            }
        }
        for (Entity part : ranked) {
            String text = text(part, depth + 1);
            if (!text.isBlank()) {
                return text;
            }
        }
        return "";
    }

    /** The text before the first boundary of a multipart in which no boundary occurs. */
    private String preamble(Multipart multipart, String charset) {
        if (multipart instanceof MultipartImpl impl && impl.getPreambleRaw() != null) {
            return decode(impl.getPreambleRaw().toByteArray(), charset);
        }
        return Objects.requireNonNullElse(multipart.getPreamble(), "");
    }

    private static byte[] bytes(SingleBody body) {
        try (InputStream in = body.getInputStream()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading an in-memory mail body", e);
        }
    }

    /**
     * The value of the first header field of that name as its raw bytes (one char per byte),
     * unfolded, or null when there is none.
     */
    private static String rawValue(Entity entity, String name) {
        Field field = entity.getHeader().getField(name);
        if (field == null) {
            return null;
        }
        ByteSequence raw = field.getRaw();
        if (raw == null) {
            return field.getBody();
        }
        String line = new String(raw.toByteArray(), ISO_8859_1);
        int colon = line.indexOf(':');
        return line.substring(colon + 1).replaceAll("\\r?\\n", "").trim();
    }

    /** The entity's media type, lower case; {@code text/plain} for one that is not {@code type/subtype}. */
    private static String mimeType(Entity entity) {
        String mime = entity.getMimeType();
        return mime != null && MEDIA_TYPE.matcher(mime).matches() ? mime : "text/plain";
    }

    /**
     * The {@code charset} parameter of the entity's Content-Type, RFC 2231 forms decoded, or
     * null when there is none.
     */
    private static String charsetParameter(Entity entity) {
        if (!(entity.getHeader().getField("Content-Type") instanceof ContentTypeField type)) {
            return null;
        }
        MimeParameterMapping parameters = new MimeParameterMapping();
        type.getParameters().forEach(parameters::addParameter);
        return parameters.get("charset");
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
            byte[] word = m.group(3).getBytes(ISO_8859_1);
            byte[] bytes = m.group(2).equalsIgnoreCase("B")
                    ? readAll(new Base64InputStream(new ByteArrayInputStream(word),
                            DecodeMonitor.SILENT))
                    : readAll(new QuotedPrintableInputStream(new ByteArrayInputStream(
                            m.group(3).replace('_', ' ').getBytes(ISO_8859_1)),
                            DecodeMonitor.SILENT));
            out.append(decode(bytes, m.group(1)));
            last = m.end();
            afterWord = true;
        }
        out.append(decode(value.substring(last).getBytes(ISO_8859_1), charset));
        return out.toString();
    }

    private static byte[] readAll(InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("decoding an in-memory encoded-word", e);
        }
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

    /**
     * Decodes with U+FFFD for each malformed or unmappable sequence, counting its bytes (what
     * {@link CodingErrorAction#REPLACE} does, except that it cannot count).
     */
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
        return CharsetUtil.lookup(CHARSET_ALIASES.getOrDefault(n, n));
    }

    private static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
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
}
