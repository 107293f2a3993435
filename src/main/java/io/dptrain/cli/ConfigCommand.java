package io.dptrain.cli;

import io.dptrain.config.ConfigException;
import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code dptrain config get KEY... [--conf FILE] [--set KEY=VALUE]}: the resolved configuration, for scripts. */
@Command(name = "config", mixinStandardHelpOptions = true, subcommands = ConfigCommand.Get.class,
        description = "Show the resolved configuration (defaults, then --conf, then --set), as train would use it.")
final class ConfigCommand implements Runnable {

    @Override
    public void run() {
        CommandLine.usage(this, System.err);
    }

    /** Prints each key's resolved value on a line of its own. */
    @Command(name = "get", mixinStandardHelpOptions = true,
            description = {"Print the value of each KEY, one line per key, as train would resolve it: the defaults, "
                    + "then --conf, then --set; the configuration is validated first.",
                    "Strings print as they are (an empty one as an empty line), numbers and booleans as HOCON "
                            + "writes them, lists as [a,b]."})
    static final class Get implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "KEY",
                description = "A key of docs/CONFIG.md, with or without the dptrain. prefix, e.g. train.epochs.")
        List<String> keys = new ArrayList<>();

        @Option(names = "--conf", description = "HOCON configuration file, as for train.")
        Path conf;

        @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one key, as for train (repeatable).")
        List<String> overrides = new ArrayList<>();

        @Override
        public Integer call() {
            SortedMap<String, String> settings = ConfigLoader.load(conf, overrides).settings();
            List<String> values = new ArrayList<>(keys.size());
            for (String key : keys) {
                values.add(value(settings, key));
            }
            values.forEach(System.out::println);
            return 0;
        }

        private static String value(SortedMap<String, String> settings, String key) {
            String full = key.startsWith(DptrainConfig.ROOT + ".") ? key : DptrainConfig.ROOT + "." + key;
            String value = settings.get(full);
            if (value != null) {
                // settings() shows an empty string as "" for people; a script wants it empty
                return value.equals("\"\"") ? "" : value;
            }
            String section = settings.subMap(full + ".", full + "/").keySet().stream()
                    .map(k -> k.substring(DptrainConfig.ROOT.length() + 1)).collect(Collectors.joining(", "));
            if (!section.isEmpty()) {
                throw new ConfigException("config key '" + key + "' is a section, not a value; its keys: " + section);
            }
            throw new ConfigException("unknown config key '" + key + "'; the keys are listed in docs/CONFIG.md");
        }
    }
}
