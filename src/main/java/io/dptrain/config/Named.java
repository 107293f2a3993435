package io.dptrain.config;

import com.fasterxml.jackson.annotation.JsonValue;

/** An enum constant spelled in configuration files as {@link #configName()} (e.g. "vgg-mini"). */
public interface Named {
    @JsonValue
    String configName();
}
