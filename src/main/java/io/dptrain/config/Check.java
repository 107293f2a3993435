package io.dptrain.config;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** Validation helpers whose messages name the key, the value and what is allowed. */
final class Check {
    private Check() {
    }

    static int atLeast(String key, int value, int min) {
        if (value < min) {
            throw new ConfigException(key + " must be >= " + min + ", got " + value);
        }
        return value;
    }

    static double range(String key, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new ConfigException(key + " must be in [" + min + ", " + max + "], got " + value);
        }
        return value;
    }

    static double positive(String key, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new ConfigException(key + " must be a finite number > 0, got " + value);
        }
        return value;
    }

    static String nonBlank(String key, String value) {
        if (value == null || value.isBlank()) {
            throw new ConfigException(key + " must not be empty");
        }
        return value;
    }

    static List<Integer> allAtLeast(String key, List<Integer> values, int min, boolean allowEmpty) {
        if (!allowEmpty && values.isEmpty()) {
            throw new ConfigException(key + " must list at least one value, got []");
        }
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i) < min) {
                throw new ConfigException(key + "[" + i + "] must be >= " + min + ", got " + values.get(i));
            }
        }
        return List.copyOf(values);
    }

    /** Parses a config word into the enum constant whose {@link Named#configName()} matches. */
    static <E extends Enum<E> & Named> E oneOf(String key, String value, Class<E> type) {
        for (E e : type.getEnumConstants()) {
            if (e.configName().equals(value)) {
                return e;
            }
        }
        String allowed = Arrays.stream(type.getEnumConstants()).map(Named::configName)
                .collect(Collectors.joining(", "));
        throw new ConfigException(key + " = '" + value + "' is not allowed; allowed: " + allowed);
    }
}
