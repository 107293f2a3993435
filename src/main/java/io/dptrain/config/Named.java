package io.dptrain.config;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/**
 * An enum constant spelled in configuration files as {@link #configName()}: its Java name in lower
 * case with '-' for '_' ({@code VGG_MINI} is "vgg-mini"). {@link Check#oneOf} parses the spelling
 * back and names the allowed values when it does not match, so an enum of choices is its constants only.
 */
public interface Named {
    /** The name of the enum constant, as {@link Enum#name()} gives it. */
    String name();

    @JsonValue
    default String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
