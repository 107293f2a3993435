/**
 * The JSON files dptrain writes and reads back (provenance.json, metrics.jsonl, the metrics inside a
 * checkpoint): the one configured Jackson mapper, {@link io.dptrain.json.Json}, and the JSON-lines
 * encoding of {@link io.dptrain.RoundMetrics}, {@link io.dptrain.json.MetricsLines}. What is written
 * is a typed record, and it is read back into the same record: no hand-formatted JSON, no maps.
 */
package io.dptrain.json;
