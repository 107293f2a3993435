/**
 * Configuration: one immutable, validated {@link io.dptrain.config.DptrainConfig} per run, loaded
 * from a HOCON file laid over {@code reference.conf} (which lists every key and its default) and
 * overridden by {@code --set key=value}. Unknown keys and out-of-range values are errors that name
 * the key, the value and what is allowed.
 */
package io.dptrain.config;
