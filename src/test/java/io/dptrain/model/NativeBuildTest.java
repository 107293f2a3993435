package io.dptrain.model;

import io.dptrain.SparkSubmitJvm;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The thread that loads nd4j's natives computes oneDNN convolutions differently from every other thread;
 * {@link NativeBuild#load} keeps it out of the computing. Each case is a fresh JVM ({@link LoadingThreadProbe}):
 * in this one the natives are long loaded.
 */
@Tag("unit")
@Timeout(180)
class NativeBuildTest {

    @Test
    void everyThreadComputesTheSameGradientWhenDptrainLoadsTheNatives() throws Exception {
        assertThat(probe()).endsWith("gradients on two threads EQUAL");
    }

    /** Why load() exists: without it this test's first case would print DIFFERENT, as this one does. */
    @Test
    void theThreadThatLoadedTheNativesComputesDifferently() throws Exception {
        assertThat(probe("main-thread-loads")).as("if nd4j no longer sets the loading thread apart, "
                + "NativeBuild.load's thread can go").endsWith("gradients on two threads DIFFERENT");
    }

    private static String probe(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(SparkSubmitJvm.javaCommand("1g",
                List.of("-D" + NativeBuild.EXTENSION_PROPERTY + "=" + NativeBuild.ONEDNN)));
        command.add(LoadingThreadProbe.class.getName());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("probe's exit code, output:%n%s", output).isZero();
        String[] lines = output.strip().split("\n");
        String last = lines[lines.length - 1];
        assertThat(last).as("probe's output:%n%s", output).startsWith("build -onednn, helpers true");
        return last;
    }
}
