/**
 * Text data: raw e-mails and labelled text tables to the prepared token-sequence tables that
 * recurrent text classifiers train on.
 *
 * <p>{@link io.dptrain.data.text.MailParser} decodes raw RFC 822 / MIME messages into
 * {@link io.dptrain.data.text.ParsedMail}: the MIME structure by Apache James mime4j (permissive
 * mode), HTML by jsoup, charsets by the JDK with undecodable bytes counted;
 * {@link io.dptrain.data.text.SpamAssassinCorpus} reads the SpamAssassin corpus with it into a
 * DataFrame. {@link io.dptrain.data.text.TextTable} reads any (text, label) table into
 * {@link io.dptrain.data.text.LabeledTexts}, splits it (seeded, stratified), and with a
 * {@link io.dptrain.data.text.Vocabulary} (built with Spark, saved next to the model) and the
 * {@link io.dptrain.data.text.Tokenizer} prepares the {@code (label int, tokens array<int>)}
 * table whose {@link io.dptrain.data.text.SequenceShape} rides in its metadata.
 * {@link io.dptrain.data.text.TokenSequences} holds such rows in memory and makes DL4J
 * minibatches with padding masks; {@link io.dptrain.data.text.TokenCodec} carries them through
 * the engine's shuffle.
 */
package io.dptrain.data.text;
