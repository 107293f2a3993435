package io.dptrain.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a training step's time goes, from a Java Flight Recorder recording of the stepping thread: every
 * 10 ms JFR samples its stack, in Java code ({@code jdk.ExecutionSample}) or inside a native call
 * ({@code jdk.NativeMethodSample}, which is where nd4j's work happens). Each sample is attributed three ways
 * from its Java frames:
 * <ul>
 *   <li>phase: forward (MultiLayerNetwork's feed-forward), backward ({@code calcBackpropGradients}), updater
 *   (DL4J's updater applying Adam etc.), or other (loss, fit's bookkeeping);</li>
 *   <li>layer: the DL4J layer class the sample is inside (the two convolution layers share a name);</li>
 *   <li>operation: the first Java frame outside nd4j's JNI and executioner plumbing, e.g.
 *   {@code Convolution.im2col}, {@code Nd4j.gemm}, {@code BaseNDArray.dup}: the call that asked for the work.</li>
 * </ul>
 * Shares are of the samples taken on the stepping thread, so they add up to 100% of its step time.
 */
public final class StepProfile {
    private static final Duration PERIOD = Duration.ofMillis(10);
    private static final String[] PLUMBING = {"org.nd4j.linalg.cpu.nativecpu.", "org.nd4j.nativeblas.",
        "org.nd4j.linalg.api.ops.executioner.", "org.bytedeco.", "org.nd4j.linalg.factory.Nd4j.exec",
        "org.nd4j.linalg.api.ops.DynamicCustomOp", "org.nd4j.linalg.api.ops.impl.", "org.nd4j.linalg.jcublas.",
        "org.nd4j.linalg.api.blas.", "java.", "jdk.", "sun."};

    /** Sample counts per phase, per layer and per operation, each sorted by count, largest first. */
    public record Summary(int samples, Map<String, Integer> phases, Map<String, Integer> layers,
                          Map<String, Integer> operations) {

        /** Three markdown tables of shares. */
        public String toMarkdown(int topOperations) {
            StringBuilder out = new StringBuilder();
            out.append(String.format(Locale.ROOT, "%d stack samples of the stepping thread (every %d ms)%n%n",
                    samples, PERIOD.toMillis()));
            table(out, "phase", phases, Integer.MAX_VALUE);
            table(out, "layer", layers, Integer.MAX_VALUE);
            table(out, "operation (the call that asked nd4j for the work)", operations, topOperations);
            return out.toString();
        }

        private void table(StringBuilder out, String what, Map<String, Integer> counts, int top) {
            out.append("| ").append(what).append(" | share |\n|---|---:|\n");
            counts.entrySet().stream().limit(top).forEach(e -> out.append(String.format(Locale.ROOT,
                    "| %s | %.1f%% |%n", e.getKey(), 100.0 * e.getValue() / Math.max(1, samples))));
            out.append('\n');
        }
    }

    private StepProfile() {
    }

    /** Runs {@code work} under a JFR recording (stack samples every 10 ms) written to {@code file}. */
    public static void record(Path file, Runnable work) {
        try (Recording recording = new Recording()) {
            recording.enable("jdk.ExecutionSample").withPeriod(PERIOD).withStackTrace();
            recording.enable("jdk.NativeMethodSample").withPeriod(PERIOD).withStackTrace();
            recording.start();
            work.run();
            recording.stop();
            recording.dump(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the JFR recording " + file, e);
        }
    }

    /** The samples of thread {@code threadName} in a recording, attributed to phase, layer and operation. */
    public static Summary summarize(Path file, String threadName) {
        Map<String, Integer> phases = new LinkedHashMap<>();
        Map<String, Integer> layers = new LinkedHashMap<>();
        Map<String, Integer> operations = new LinkedHashMap<>();
        int samples = 0;
        try (RecordingFile recording = new RecordingFile(file)) {
            while (recording.hasMoreEvents()) {
                RecordedEvent event = recording.readEvent();
                String type = event.getEventType().getName();
                if (!type.equals("jdk.ExecutionSample") && !type.equals("jdk.NativeMethodSample")) {
                    continue;
                }
                var thread = event.getThread("sampledThread");
                RecordedStackTrace stack = event.getStackTrace();
                if (thread == null || stack == null || !threadName.equals(thread.getJavaName())) {
                    continue;
                }
                List<String> frames = new ArrayList<>();
                for (RecordedFrame frame : stack.getFrames()) {
                    frames.add(frame.getMethod().getType().getName() + "." + frame.getMethod().getName());
                }
                samples++;
                phases.merge(phase(frames), 1, Integer::sum);
                layers.merge(layer(frames), 1, Integer::sum);
                operations.merge(operation(frames), 1, Integer::sum);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the JFR recording " + file, e);
        }
        return new Summary(samples, sorted(phases), sorted(layers), sorted(operations));
    }

    /** Frames are innermost first. */
    static String phase(List<String> frames) {
        for (String frame : frames) {
            if (frame.startsWith("org.deeplearning4j.nn.updater.")) {
                return "updater";
            }
            if (frame.endsWith("MultiLayerNetwork.calcBackpropGradients")) {
                return "backward";
            }
            if (frame.contains("MultiLayerNetwork.ffToLayerActivations")
                    || frame.contains("MultiLayerNetwork.outputOfLayerDetached")) {
                return "forward";
            }
        }
        return "other (loss, fit bookkeeping)";
    }

    static String layer(List<String> frames) {
        for (String frame : frames) {
            if (frame.startsWith("org.deeplearning4j.nn.layers.BaseLayer.")) {
                // A subclass's own frame comes first; a sample with BaseLayer's alone is in a dense layer.
                return "BaseLayer (dense layers)";
            }
            if (frame.startsWith("org.deeplearning4j.nn.layers.") && !frame.startsWith("org.deeplearning4j.nn.layers.mkldnn.")
                    && !frame.contains(".AbstractLayer.")) {
                String type = frame.substring(0, frame.lastIndexOf('.'));
                return type.substring(type.lastIndexOf('.') + 1);
            }
            if (frame.startsWith("org.deeplearning4j.nn.conf.preprocessor.")) {
                return "preprocessor";
            }
            if (frame.startsWith("org.deeplearning4j.nn.updater.")) {
                return "(updater, all layers)";
            }
        }
        return "(outside layers)";
    }

    static String operation(List<String> frames) {
        for (String frame : frames) {
            if (java.util.Arrays.stream(PLUMBING).noneMatch(frame::startsWith)) {
                String type = frame.substring(0, frame.lastIndexOf('.'));
                return type.substring(type.lastIndexOf('.') + 1) + frame.substring(frame.lastIndexOf('.'));
            }
        }
        return frames.isEmpty() ? "(no frames)" : frames.get(0);
    }

    private static Map<String, Integer> sorted(Map<String, Integer> counts) {
        Map<String, Integer> out = new LinkedHashMap<>();
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder()))
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }
}
