package io.dptrain.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException.WrongType;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Loads a {@link DptrainConfig}: {@code reference.conf} (every key with its default), then an
 * optional .conf file, then {@code key=value} overrides, last one wins. Keys may be written with or
 * without the {@code dptrain.} prefix. A key that reference.conf does not know is an error.
 */
public final class ConfigLoader {
    private static final Config REFERENCE = ConfigFactory.parseResources(ConfigLoader.class, "/reference.conf",
            ConfigParseOptions.defaults().setAllowMissing(false)).resolve();

    private ConfigLoader() {
    }

    /** The defaults alone. */
    public static DptrainConfig defaults() {
        return load(null, List.of());
    }

    /**
     * @param file      a HOCON file, or null for the defaults
     * @param overrides {@code key=value} strings; values are parsed as HOCON (lists as {@code [1,2]})
     */
    public static DptrainConfig load(Path file, List<String> overrides) {
        return fromTree(settings(file, overrides));
    }

    /**
     * HOCON text (a file's content, with or without the {@code dptrain { }} wrapper) overlaid by
     * {@code key=value} overrides, validated over the defaults.
     *
     * @param hocon     settings as HOCON, may be empty
     * @param origin    names the text in errors
     * @param overrides {@code key=value} strings, last one wins
     */
    public static DptrainConfig fromHocon(String hocon, String origin, List<String> overrides) {
        Config config;
        try {
            config = qualify(ConfigFactory.parseString(hocon,
                    ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setOriginDescription(origin)), origin);
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException(origin + ": cannot parse the HOCON: " + e.getMessage(), e);
        }
        for (String override : overrides) {
            config = parseOverride(override).withFallback(config);
        }
        return fromTree(config);
    }

    private static Config settings(Path file, List<String> overrides) {
        Config config = ConfigFactory.empty();
        if (file != null) {
            if (!Files.isRegularFile(file)) {
                throw new ConfigException("config file " + file + " does not exist or is not a file");
            }
            config = qualify(ConfigFactory.parseFile(file.toFile(),
                    ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false)), file.toString());
        }
        for (String override : overrides) {
            config = parseOverride(override).withFallback(config);
        }
        return config;
    }

    /** Validates a tree of user settings (keys with the dptrain prefix) over the defaults. */
    public static DptrainConfig fromTree(Config userSettings) {
        rejectUnknownKeys(userSettings);
        Config resolved = userSettings.withFallback(REFERENCE).resolve();
        try {
            return DptrainConfig.from(resolved.getConfig(DptrainConfig.ROOT));
        } catch (WrongType e) {
            // e.g. a list element that is not a number: HOCON names the element.
            throw new ConfigException("wrong type in configuration: " + e.getMessage(), e);
        }
    }

    /**
     * The default of a key, as reference.conf gives it (Integer, Double, String, Boolean or List).
     *
     * @param key a key with or without the {@code dptrain.} prefix
     * @throws ConfigException naming the key if reference.conf does not define it
     */
    public static Object defaultValue(String key) {
        String fullKey = key.startsWith(DptrainConfig.ROOT + ".") ? key : DptrainConfig.ROOT + "." + key;
        if (!REFERENCE.hasPath(fullKey)) {
            throw new ConfigException("unknown config key '" + fullKey + "'");
        }
        return REFERENCE.getValue(fullKey).unwrapped();
    }

    /** Every key reference.conf defines, for documentation and completion. */
    public static Set<String> knownKeys() {
        return REFERENCE.entrySet().stream().map(Map.Entry::getKey).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Config parseOverride(String override) {
        int eq = override.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("override '" + override + "' must have the form key=value, e.g. train.epochs=2");
        }
        String key = override.substring(0, eq).trim();
        String value = override.substring(eq + 1).trim();
        String fullKey = key.startsWith(DptrainConfig.ROOT + ".") ? key : DptrainConfig.ROOT + "." + key;
        try {
            return ConfigFactory.parseString("\"" + String.join("\".\"", fullKey.split("\\.")) + "\" = " + quoteIfBare(value));
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException("override '" + override + "': cannot parse the value '" + value + "'", e);
        }
    }

    /** Values such as a path or a Spark master (local[2]) are taken as strings unless they are HOCON lists. */
    private static String quoteIfBare(String value) {
        if (value.startsWith("[") || value.startsWith("\"") || value.matches("-?[0-9.eE+-]+|true|false")) {
            return value;
        }
        return ConfigFactory.empty().withValue("v", com.typesafe.config.ConfigValueFactory.fromAnyRef(value))
                .root().get("v").render();
    }

    /** A file may omit the dptrain { } wrapper. */
    private static Config qualify(Config fileConfig, String origin) {
        if (fileConfig.isEmpty() || fileConfig.hasPath(DptrainConfig.ROOT)) {
            Set<String> roots = fileConfig.root().keySet();
            if (roots.size() > 1) {
                throw new ConfigException(origin + ": unknown top-level keys " + new TreeSet<>(roots)
                        + "; everything goes under '" + DptrainConfig.ROOT + "'");
            }
            return fileConfig;
        }
        return fileConfig.atKey(DptrainConfig.ROOT);
    }

    private static void rejectUnknownKeys(Config userSettings) {
        for (Map.Entry<String, ConfigValue> e : userSettings.entrySet()) {
            String key = e.getKey();
            if (!REFERENCE.hasPath(key)) {
                throw new ConfigException("unknown config key '" + key + "' (value " + e.getValue().render()
                        + ", from " + e.getValue().origin().description() + "); known keys under '"
                        + parentOf(key) + "': " + knownChildren(parentOf(key)));
            }
            checkType(key, e.getValue(), REFERENCE.getValue(key).valueType());
        }
    }

    /** HOCON coerces "3" to a number when read; anything it cannot coerce is named here, with its key. */
    private static void checkType(String key, ConfigValue value, ConfigValueType expected) {
        Object raw = value.unwrapped();
        boolean ok = switch (expected) {
            case NUMBER -> value.valueType() == ConfigValueType.NUMBER
                    || (value.valueType() == ConfigValueType.STRING && isNumber(raw.toString()));
            case BOOLEAN -> value.valueType() == ConfigValueType.BOOLEAN
                    || (value.valueType() == ConfigValueType.STRING
                    && raw.toString().matches("true|false|yes|no|on|off"));
            case LIST -> value.valueType() == ConfigValueType.LIST;
            default -> value.valueType() == ConfigValueType.STRING || value.valueType() == ConfigValueType.NUMBER
                    || value.valueType() == ConfigValueType.BOOLEAN;
        };
        if (!ok) {
            throw new ConfigException(key + " = " + value.render() + " has the wrong type: expected "
                    + expected.name().toLowerCase(java.util.Locale.ROOT) + " (default "
                    + REFERENCE.getValue(key).render() + ")");
        }
    }

    private static boolean isNumber(String s) {
        try {
            Double.parseDouble(s.trim());
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String parentOf(String key) {
        String parent = key;
        while (parent.contains(".") && !REFERENCE.hasPath(parent)) {
            parent = parent.substring(0, parent.lastIndexOf('.'));
        }
        return REFERENCE.hasPath(parent) ? parent : DptrainConfig.ROOT;
    }

    private static String knownChildren(String parent) {
        return knownKeys().stream().filter(k -> k.startsWith(parent + "."))
                .map(k -> k.substring(parent.length() + 1)).collect(Collectors.joining(", "));
    }
}
